"""The review inbox: what the bot missed, grouped, labelled into the training data or dismissed, all audited."""
