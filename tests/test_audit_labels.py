"""Every action the services write to the audit log has a Chinese label for the console's log page."""

import re
from pathlib import Path

from server.services.audit_log import ACTION_GROUPS, ACTION_LABELS

SERVER = Path(__file__).resolve().parent.parent / "server"
WRITTEN = re.compile(r'record_audit\(\s*[\w.]+\s*,\s*"([a-z_.]+)"')


def _written_actions():
    return {action for path in SERVER.rglob("*.py") for action in WRITTEN.findall(path.read_text(encoding="utf-8"))}


def test_every_written_action_is_labelled_and_in_a_filter_group():
    actions = _written_actions()
    assert "registration.approve" in actions and "roster.export" in actions  # the scan sees the services
    assert actions - set(ACTION_LABELS) == set(), "label these actions in server/services/audit_log.py"
    grouped = {action for _label, exact, _contains in ACTION_GROUPS.values() for action in exact}
    assert actions - grouped == set(), "put these actions in one of ACTION_GROUPS"
