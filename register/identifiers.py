"""Identifiers other registers and open-data standards give the register's records.

**org-id** (org-id.guide) names an organisation by the list that registers it and its key
in that list. For councils the lists are the GOV.UK registers the authorities CSV records
in its ``old-register-and-code`` column (e.g. ``local-authority-eng:CLD``):

- ``GB-LAE``, the Local Authorities for England register, keyed by its
  ``local-authority-eng`` code: Calderdale is ``GB-LAE-CLD``;
- ``GB-PLA``, the Principal Local Authority register for Wales, keyed by its
  ``principal-local-authority`` code: Anglesey is ``GB-PLA-AGY``.

A council neither register lists (those created after they closed, such as North
Yorkshire in 2023, combined authorities, other public bodies) has no org-id: none is
made up. Scotland's and Northern Ireland's lists are left out, as the register covers
England and Wales.
"""

from __future__ import annotations

import re

# The register named in ``old-register-and-code``, and its org-id list.
ORG_ID_LISTS = {
    "local-authority-eng": "GB-LAE",
    "principal-local-authority": "GB-PLA",
}
REGISTER_CODE = re.compile(r"^[A-Z]{3,4}$")


def org_id_of(register_and_code: str) -> str:
    """'local-authority-eng:CLD' -> 'GB-LAE-CLD'; '' for a register with no list here or
    a key that is not a register code."""
    register, _, code = (register_and_code or "").strip().partition(":")
    prefix = ORG_ID_LISTS.get(register.strip())
    code = code.strip()
    if prefix is None or not REGISTER_CODE.match(code):
        return ""
    return f"{prefix}-{code}"
