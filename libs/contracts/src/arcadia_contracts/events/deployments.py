"""Events on `arcadia.deployments.v1`, published by the api (gateway) service."""

import msgspec

from arcadia_contracts.envelope import Event


class AddonRequest(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    quantity: int = 1


class DeploymentStateChanged(Event, frozen=True, kw_only=True):
    """A deployment moved between lifecycle states."""

    from_state: str | None
    to_state: str
    actor: str
    reason: str | None = None
    billing_action_suspended: bool = False


class DeploymentProvisioningRequested(Event, frozen=True, kw_only=True):
    """Saga step 1: the api asks every participant to provision a deployment."""

    slug: str
    region: str
    size: str
    plan_code: str | None = None
    addons: tuple[AddonRequest, ...] = ()


class DeploymentActivated(Event, frozen=True, kw_only=True):
    """Saga step 8: the deployment is live."""

    droplet_id: int | None = None
    ip_address: str | None = None


class ProvisioningAborted(Event, frozen=True, kw_only=True):
    """The compensation event: every participant undoes its own completed work."""

    failed_step: str
    reason: str


class BillingOverrideChanged(Event, frozen=True, kw_only=True):
    """An operator set or cleared `billing_action_suspended`: billing must not act on it while set."""

    billing_action_suspended: bool
    actor: str


# Only the provisioner can fail to undo (the provider refuses), so only `arcadia.provisioner.v1`
# carries it; it stays defined here, beside ProvisioningAborted, so existing imports keep working.
class CompensationFailed(Event, frozen=True, kw_only=True):
    """A participant gave up undoing its work (the provider refuses for good): operators act."""

    step: str
    reason: str


class DeploymentTeardownRequested(Event, frozen=True, kw_only=True):
    """A provisioned deployment was cancelled or archived: remove what it holds."""

    to_state: str


DeploymentsEvent = (
    DeploymentStateChanged
    | DeploymentProvisioningRequested
    | DeploymentActivated
    | ProvisioningAborted
    | DeploymentTeardownRequested
    | BillingOverrideChanged
)

__all__ = [
    "AddonRequest",
    "BillingOverrideChanged",
    "CompensationFailed",
    "DeploymentActivated",
    "DeploymentProvisioningRequested",
    "DeploymentStateChanged",
    "DeploymentTeardownRequested",
    "DeploymentsEvent",
    "ProvisioningAborted",
]
