"""A deployment's subscription in billing: subscribe, change plan, attach add-ons."""
