"""Subscription endpoints: subscribe a deployment, read it, change its plan, attach add-ons."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from arcadia_billing.http.facade import BillingDep
from arcadia_billing.http.params import DeploymentPath, TenantQuery
from arcadia_billing.http.schemas.requests import AttachAddons, ChangePlan, Subscribe, addon_pairs
from arcadia_billing.http.schemas.subscriptions import AttachmentOut, PlanChangeOut, SubscriptionOut
from arcadia_platform.problems import problem_responses

SUBSCRIPTION = "/deployments/{deployment_id:uuid}/subscription"


class SubscriptionController(Controller):
    tags = ["subscriptions"]

    @post("/subscriptions", responses=problem_responses(409, 422))
    async def subscribe(self, billing: BillingDep, data: JSONBody[Subscribe]) -> SubscriptionOut:
        """Subscribe a deployment directly: active at once, add-on prices snapshotted."""
        subscription = await billing.subscriptions.subscribe(
            tenant_id=data.tenant_id,
            deployment_id=data.deployment_id,
            plan_code=data.plan_code,
            plan_version=data.plan_version,
            addons=addon_pairs(data.addons),
            actor=data.actor,
        )
        return SubscriptionOut.of(subscription)

    @get(SUBSCRIPTION, responses=problem_responses(404))
    async def get_subscription(
        self, billing: BillingDep, deployment_id: DeploymentPath, tenant_id: TenantQuery
    ) -> SubscriptionOut:
        """The deployment's subscription; 404 if it has none or it is another tenant's."""
        return SubscriptionOut.of(await billing.subscriptions.get(tenant_id, deployment_id))

    @post(
        f"{SUBSCRIPTION}/plan", status_code=HTTP_200_OK, responses=problem_responses(404, 409, 422)
    )
    async def change_plan(
        self, billing: BillingDep, deployment_id: DeploymentPath, data: JSONBody[ChangePlan]
    ) -> PlanChangeOut:
        """Move to another plan or version, prorated by day within the open period."""
        change = await billing.subscriptions.change_plan(
            tenant_id=data.tenant_id,
            deployment_id=deployment_id,
            plan_code=data.plan_code,
            plan_version=data.plan_version,
            actor=data.actor,
        )
        return PlanChangeOut.of(change)

    @post(
        f"{SUBSCRIPTION}/addons",
        status_code=HTTP_200_OK,
        responses=problem_responses(404, 409, 422),
    )
    async def attach_addons(
        self, billing: BillingDep, deployment_id: DeploymentPath, data: JSONBody[AttachAddons]
    ) -> AttachmentOut:
        """Attach add-ons at today's catalog price (snapshotted on the new lines)."""
        attachment = await billing.subscriptions.attach_addons(
            tenant_id=data.tenant_id,
            deployment_id=deployment_id,
            addons=addon_pairs(data.addons),
            actor=data.actor,
        )
        return AttachmentOut.of(attachment)
