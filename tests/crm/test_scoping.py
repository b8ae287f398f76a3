from customers.scoping import visible_customers
from tests.factories import CustomerFactory


def test_rm_sees_only_customers_they_maintain(org_tree, rm_a1, rm_b1):
    # given
    mine = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=None)
    theirs = CustomerFactory(org_unit=org_tree["OUT-B"], maintainer=rm_b1)
    co = CustomerFactory(org_unit=org_tree["OUT-B"], maintainer=rm_b1)
    co.co_maintainers.add(rm_a1)
    # then
    assert set(visible_customers(user=rm_a1)) == {mine, co}
    assert set(visible_customers(user=rm_b1)) == {theirs, co}


def test_branch_head_and_hq_see_their_subtree(org_tree, head_a, hq_user):
    in_a = CustomerFactory(org_unit=org_tree["OUT-A"])
    in_b = CustomerFactory(org_unit=org_tree["OUT-B"])
    assert set(visible_customers(user=head_a)) == {in_a}
    assert set(visible_customers(user=hq_user)) == {in_a, in_b}
