"""What every page shares: layout context and error pages."""
