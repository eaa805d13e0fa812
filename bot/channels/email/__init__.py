"""The e-mail channel: the shop's support mailbox read over IMAP, replies sent over SMTP."""
