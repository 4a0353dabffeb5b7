-- Admission of provisioning sagas against the provider's request budget (saga/admission.py):
-- one row; `tat` is when the provider budget already promised to admitted sagas runs out
-- (GCRA). An admission is one UPDATE of this row in the create's transaction.
CREATE TABLE provider_admission (
    name    text PRIMARY KEY,
    tat     timestamptz NOT NULL
);
INSERT INTO provider_admission (name, tat) VALUES ('provider', now());
