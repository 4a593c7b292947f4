"""R-12: explainable risk scoring of customers and locksmiths, red / yellow / blue warnings to the police."""
