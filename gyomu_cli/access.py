"""Who may run which command (Art. 3, 5, 8, 13), as one table and one rule.

Roles:
  administrator  管理責任者: runs the system, decides devices, designates operators (Art. 5)
  operator       操作担当者: operates the system; nobody else may (Art. 5-2)
  section-head   課長: asks to view recordings of their section (Art. 8)
  auditor        reads the audit log and the reports (Art. 13, 14)
  system         the host itself: root without --as, or the service account that
                 owns the gyomu home. Both can rewrite the ledger and read the key
                 anyway, so gyomu lets them do what needs no person; it never lets
                 them do what must be done by a person (grant, view, disclose).
"""

from __future__ import annotations

from dataclasses import dataclass

from gyomu_cli.i18n import N_, _

ADMINISTRATOR = "administrator"
OPERATOR = "operator"
SECTION_HEAD = "section-head"
AUDITOR = "auditor"
SYSTEM = "system"
ROLES = (ADMINISTRATOR, OPERATOR, SECTION_HEAD, AUDITOR)

EVERYONE = frozenset({ADMINISTRATOR, OPERATOR, SECTION_HEAD, AUDITOR, SYSTEM})


@dataclass(frozen=True)
class Rule:
    """Which roles may run a command, and the sentence that refuses the others.

    The refusal is kept in English (marked for the catalog); `authorize`
    gives it in the reader's language.
    """

    roles: frozenset
    refusal: str


def _rule(roles: set, refusal: str) -> Rule:
    return Rule(frozenset(roles), refusal)


ADMINISTER = _rule(
    {ADMINISTRATOR, SYSTEM},
    N_("only the administrator decides where devices stand and which sections they serve (Art. 3)"),
)
OPERATE = _rule(
    {ADMINISTRATOR, OPERATOR, SYSTEM},
    N_("only operators designated by the administrator may operate the system (Art. 5-2)"),
)
MANAGE_USERS = _rule(
    {ADMINISTRATOR, SYSTEM},
    N_("only the administrator designates operators and registers users (Art. 5-2)"),
)
READ_AUDIT = _rule(
    {ADMINISTRATOR, AUDITOR, SYSTEM},
    N_("only the administrator and auditors may read the audit log (Art. 13)"),
)
CHECK = _rule(
    {ADMINISTRATOR, OPERATOR, AUDITOR, SYSTEM},
    N_("only the administrator, operators and auditors may check the stored records (Art. 6-1)"),
)
LOOK_UP = _rule(
    {ADMINISTRATOR, OPERATOR, SYSTEM},
    N_("recordings and their phone numbers are shown only to those who operate the system (Art. 5-2, Art. 7)"),
)
READ_REGISTRY = _rule(EVERYONE, "")
DECIDE = _rule(
    {ADMINISTRATOR},
    N_("only the administrator grants or denies a viewing, in person (Art. 8-2)"),
)
VIEW = _rule(
    {ADMINISTRATOR, OPERATOR},
    N_("only an operator, in person, hands a viewing to its requester (Art. 5-2, Art. 8-2)"),
)
DISCLOSE = _rule(
    {ADMINISTRATOR},
    N_("only the administrator decides a provision to a third party, in person (Art. 9, Art. 10)"),
)
KEY_IN = _rule(
    {ADMINISTRATOR, OPERATOR},
    N_("only operators key in written requests and opinions, in person (Art. 5-2)"),
)

PERMISSIONS: dict[str, Rule] = {
    "section add": ADMINISTER,
    "section list": READ_REGISTRY,
    "device add": ADMINISTER,
    "device retire": ADMINISTER,
    "device list": READ_REGISTRY,
    "device show": READ_REGISTRY,
    "user add": MANAGE_USERS,
    "user disable": MANAGE_USERS,
    "user list": _rule({ADMINISTRATOR, AUDITOR, SYSTEM}, MANAGE_USERS.refusal),
    "user passwd": READ_REGISTRY,  # one's own; another's is checked in users.py
    "index": OPERATE,
    "capture": OPERATE,
    "notice": OPERATE,
    "purge": OPERATE,
    "hold add": OPERATE,
    "hold release": OPERATE,
    "hold list": CHECK,
    "recordings list": LOOK_UP,
    "recordings show": LOOK_UP,
    "request new": KEY_IN,
    "request opinion": KEY_IN,
    "request close": OPERATE,
    "request list": CHECK,
    "request show": CHECK,
    "grant": DECIDE,
    "deny": DECIDE,
    "view": VIEW,
    "disclose new": DISCLOSE,
    "disclose document": DISCLOSE,
    "disclose return-requested": DISCLOSE,
    "disclose returned": DISCLOSE,
    "disclose extend": DISCLOSE,
    "disclose list": CHECK,
    "disclose show": CHECK,
    "report notice": READ_REGISTRY,
    "report annual": _rule({ADMINISTRATOR, AUDITOR, SYSTEM}, N_("only the administrator and auditors prepare the yearly report (Art. 14)")),
    "storage add": ADMINISTER,
    "storage use": ADMINISTER,
    "storage migrate": ADMINISTER,
    "storage list": CHECK,
    "audit log": READ_AUDIT,
    "audit verify": READ_AUDIT,
    "verify": CHECK,
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def authorize(roles: frozenset | set, command: str) -> Decision:
    """May someone holding `roles` run `command`? Unknown commands are refused."""
    rule = PERMISSIONS.get(command)
    if rule is None:
        return Decision(False, _("`{command}` has no entry in the permission table (Art. 5-2)").format(command=command))
    if rule.roles & set(roles):
        return Decision(True, "")
    return Decision(False, _(rule.refusal) if rule.refusal else rule.refusal)
