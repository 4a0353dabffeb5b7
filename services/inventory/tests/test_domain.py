"""Pure inventory rules: droplet pricing and when a registration is refused."""

from __future__ import annotations

import uuid

import pytest

from arcadia_inventory.domain import (
    SIZE_PRICES_CENTS,
    RegistrationRejectedError,
    Resource,
    ResourceStatus,
    already_registered,
    check_registration,
    droplet_resource,
    is_priced,
    monthly_cost_cents,
)


@pytest.mark.parametrize(
    ("size", "cents"),
    [
        ("s-1vcpu-1gb", 600),
        ("s-1vcpu-2gb", 1200),
        ("s-2vcpu-2gb", 1800),
        ("s-2vcpu-4gb", 2400),
        ("s-4vcpu-8gb", 4800),
    ],
)
def test_known_sizes_cost_their_list_price_in_cents(size: str, cents: int) -> None:
    assert is_priced(size)
    assert monthly_cost_cents(size) == cents


def test_an_unknown_size_is_unpriced_never_guessed() -> None:
    assert not is_priced("g-32vcpu-128gb")
    assert monthly_cost_cents("g-32vcpu-128gb") is None
    made = droplet_resource(
        droplet_id=7,
        region="ams3",
        size="g-32vcpu-128gb",
        ip_address=None,
        tenant_id="t",
        deployment_id=uuid.uuid4(),
        saga_id=None,
    )
    assert (made.monthly_cost_cents, made.priced) == (None, False)


def test_the_price_table_is_the_one_given() -> None:
    table = {"g-32vcpu-128gb": 50_000}
    assert monthly_cost_cents("g-32vcpu-128gb", table) == 50_000
    assert monthly_cost_cents("s-1vcpu-1gb", table) is None


def test_prices_are_whole_cents() -> None:
    assert all(isinstance(c, int) and c > 0 for c in SIZE_PRICES_CENTS.values())


def test_a_droplet_becomes_an_active_priced_resource() -> None:
    deployment_id = uuid.uuid4()
    made = droplet_resource(
        droplet_id=101,
        region="ams3",
        size="s-1vcpu-2gb",
        ip_address="203.0.113.5",
        tenant_id="tenant-a",
        deployment_id=deployment_id,
        saga_id=None,
    )
    assert (made.provider, made.provider_id, made.kind) == ("digitalocean", "101", "droplet")
    assert (made.monthly_cost_cents, made.currency) == (1200, "USD")
    assert made.status is ResourceStatus.ACTIVE
    assert made.deployment_id == deployment_id


def test_registration_links_to_the_events_deployment() -> None:
    deployment_id = uuid.uuid4()
    linked = check_registration(
        deployment_id=deployment_id, saga_id=uuid.uuid4(), provider_id="101", held=None
    )
    assert linked == deployment_id


def test_the_deployments_own_droplet_again_is_not_a_conflict() -> None:
    deployment_id = uuid.uuid4()
    held = droplet_resource(
        droplet_id=101,
        region="ams3",
        size="s-1vcpu-2gb",
        ip_address=None,
        tenant_id="t",
        deployment_id=deployment_id,
        saga_id=None,
    )
    assert (
        check_registration(
            deployment_id=deployment_id, saga_id=uuid.uuid4(), provider_id="101", held=held
        )
        == deployment_id
    )


@pytest.mark.parametrize(
    ("deployment", "saga", "held_droplet", "reason"),
    [
        (False, True, None, "no deployment"),
        (True, False, None, "outside a saga"),
        (True, True, 202, "already holds active droplet 202"),
    ],
)
def test_a_droplet_the_inventory_cannot_accept_is_rejected_with_a_reason(
    deployment: bool, saga: bool, held_droplet: int | None, reason: str
) -> None:
    deployment_id = uuid.uuid4()
    held = (
        droplet_resource(
            droplet_id=held_droplet,
            region="ams3",
            size="s-1vcpu-1gb",
            ip_address=None,
            tenant_id="t",
            deployment_id=deployment_id,
            saga_id=None,
        )
        if held_droplet
        else None
    )
    with pytest.raises(RegistrationRejectedError, match=reason):
        check_registration(
            deployment_id=deployment_id if deployment else None,
            saga_id=uuid.uuid4() if saga else None,
            provider_id="101",
            held=held,
        )


def a_droplet(deployment_id: uuid.UUID, saga_id: uuid.UUID | None) -> Resource:
    return droplet_resource(
        droplet_id=300_000_001,
        region="fra1",
        size="s-1vcpu-1gb",
        ip_address=None,
        tenant_id="t",
        deployment_id=deployment_id,
        saga_id=saga_id,
    )


def test_an_unregistered_provider_id_is_free() -> None:
    free = already_registered(
        registered=None,
        deployment_id=uuid.uuid4(),
        saga_id=uuid.uuid4(),
        provider_id="300000001",
    )
    assert free is False


def test_the_same_sagas_droplet_again_is_already_done() -> None:
    deployment_id, saga_id = uuid.uuid4(), uuid.uuid4()
    done = already_registered(
        registered=a_droplet(deployment_id, saga_id),
        deployment_id=deployment_id,
        saga_id=saga_id,
        provider_id="300000001",
    )
    assert done is True


@pytest.mark.parametrize(
    ("same_deployment", "owner"),
    [(False, "another deployment"), (True, "another saga of this deployment")],
)
def test_a_provider_id_registered_elsewhere_is_a_clash(same_deployment: bool, owner: str) -> None:
    held = a_droplet(uuid.uuid4(), uuid.uuid4())
    deployment_id = held.deployment_id if same_deployment else uuid.uuid4()

    with pytest.raises(RegistrationRejectedError) as raised:
        already_registered(
            registered=held,
            deployment_id=deployment_id,
            saga_id=uuid.uuid4(),
            provider_id="300000001",
        )

    assert raised.value.reason == (
        f"provider id clash: droplet 300000001 is already registered to {owner} (active);"
        " the provider reused an id, refusing to take it over"
    )
    assert str(held.deployment_id) not in raised.value.reason
