-- The droplet size of the reserved plan version (SubscriptionReserved.droplet_size): the plan
-- decides the hardware; `size` (the request's) is only used when billing did not say.
ALTER TABLE provisionings ADD COLUMN plan_size text;
