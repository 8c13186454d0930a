"""Collection costs: what every action costs (unit prices by channel, agency commission), recorded and announced."""
