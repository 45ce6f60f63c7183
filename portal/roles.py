"""Agency roles as Django groups. Each staff account is also tied to the
insured regions it serves (User.staff_regions) and, for incoming cases, the
treatment regions (User.staff_treatment_regions): every admin list, search,
export and action is filtered by those."""

from __future__ import annotations

from typing import Any

REVIEWER = "审核员"
FACILITY_MAINTAINER = "设施维护员"
POLICY_EDITOR = "政策编辑"
SUPERVISOR = "地区主管"

VIEW_REFERENCE = ["portal.view_region", "portal.view_insuranceregion"]

ROLES: dict[str, list[str]] = {
    REVIEWER: [
        *VIEW_REFERENCE,
        "filings.view_filing",
        "filings.add_filing",
        "filings.change_filing",
        "filings.view_filingevent",
        "filings.view_filingdocument",
        "filings.view_filingsettings",
        "family.view_grant",
        "family.add_grant",
        "family.view_guardianship",
        "family.change_guardianship",
        "chronic.view_qualification",
        "chronic.add_qualification",
        "chronic.change_qualification",
        "claims.view_settlement",
        "claims.view_reimbursement",
        "claims.change_reimbursement",
        "admissions.view_admission",
    ],
    FACILITY_MAINTAINER: [
        *VIEW_REFERENCE,
        "facilities.view_facility",
        "facilities.add_facility",
        "facilities.change_facility",
        "notices.view_downtimenotice",
        "notices.add_downtimenotice",
        "notices.change_downtimenotice",
        "portal.change_insuranceregion",
        "admissions.view_hospitalclient",
        "admissions.add_hospitalclient",
        "admissions.change_hospitalclient",
        "admissions.view_apicall",
    ],
    POLICY_EDITOR: [
        *VIEW_REFERENCE,
        "claims.view_policy",
        "claims.add_policy",
        "claims.change_policy",
        "claims.view_policyband",
        "claims.add_policyband",
        "claims.change_policyband",
        "claims.delete_policyband",
        "filings.view_filingsettings",
        "filings.add_filingsettings",
        "filings.change_filingsettings",
        "chronic.view_disease",
        "chronic.add_disease",
        "chronic.change_disease",
    ],
    SUPERVISOR: [
        *VIEW_REFERENCE,
        "filings.view_filing",
        "filings.view_filingevent",
        "filings.view_filingsettings",
        "family.view_grant",
        "family.view_guardianship",
        "claims.view_settlement",
        "claims.view_reimbursement",
        "claims.view_policy",
        "portal.view_user",
        "portal.view_full_id_number",
        "admissions.view_hospitalclient",
        "admissions.view_apicall",
        "admissions.view_admission",
    ],
}


def sync_roles(**kwargs: Any) -> None:
    """Create each role's group and give it exactly the permissions listed
    that exist (post_migrate: apps may arrive in any order). Idempotent."""
    from django.contrib.auth.models import Group, Permission

    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)
