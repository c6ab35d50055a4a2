"""Human handoff, staff side: pause the bot for one conversation, talk to the child, hand back."""
