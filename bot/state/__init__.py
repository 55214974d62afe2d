"""What the bot remembers between restarts: each server's settings, the questions readers
asked and their votes. Discord-free: the cogs and ``coverage-bot report`` call it."""
