"""Reports over classifications: the portfolio by every dimension, month-end roll rates, the one-month SLA."""
