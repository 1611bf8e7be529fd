"""What people show of themselves: name, professional details, avatar and theme."""
