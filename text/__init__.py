"""Text shared by every process: cleaning, language detection, number words, identifiers, dates and
amounts in words, scores read from answers, and masking of card numbers and the like."""
