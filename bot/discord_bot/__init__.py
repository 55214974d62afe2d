"""The Discord front end: a discord.py bot whose cogs translate Discord to the core and back."""
