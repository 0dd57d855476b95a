"""Every invariant, checked with SQL of its own (not the app's code) once the work has drained."""

import json
from collections import Counter, defaultdict
from pathlib import Path

from .stack import Recorder, Stack

# --- invariants -------------------------------------------------------------------------------


def check(stack: Stack, answers, recorder: Recorder, windows) -> list[tuple[str, bool, str]]:
    q = stack.q
    results = []

    def add(name, ok, detail=""):
        results.append((name, bool(ok), detail))

    add("every client ran to its end", not answers["crashes"], "; ".join(answers["crashes"]))
    by_nonce = defaultdict(set)
    for nonce, outcome, capture_id in answers["nonces"]:
        by_nonce[nonce].add((outcome, capture_id))
    sent_again = [n for n, seen in by_nonce.items() if sum(1 for a in answers["nonces"] if a[0] == n) > 1]
    differ = [n for n, seen in by_nonce.items() if len(seen) > 1]
    add("a swipe sent again gets the same answer", not differ, f"{len(sent_again)} sent again, {len(differ)} differ")
    twice = q("SELECT student_id FROM sessions_app_capture WHERE undone_at IS NULL GROUP BY 1 HAVING count(*) > 1")
    add("each student captured at most once", not twice, f"{len(twice)} twice")
    # Not those whose capture the desk undid on purpose (a later swipe may capture them again).
    undone = {student_no for *_, student_no in answers["undone"]}
    captured = {no for no, outcome in answers["swipes"] if outcome in ("captured", "already_captured")} - undone
    missing = q(
        "SELECT count(*) FROM sessions_app_student s WHERE s.student_no = ANY(%s) AND NOT EXISTS"
        " (SELECT 1 FROM sessions_app_capture c WHERE c.student_id = s.id AND c.undone_at IS NULL)",
        sorted(captured),
    )[0][0]
    add("every swipe answered 'captured' is recorded", missing == 0, f"{missing} missing of {len(captured)}")
    charges = q(
        "SELECT a.student_id, sum(CASE WHEN e.kind = 'charge' THEN 1"
        " WHEN e.kind = 'reversal' AND e.reversed_kind = 'charge' THEN -1 ELSE 0 END),"
        " EXISTS (SELECT 1 FROM sessions_app_capture c WHERE c.student_id = a.student_id AND c.undone_at IS NULL),"
        " c.fee_per_person"
        " FROM fees_feeaccount a JOIN fees_entry e ON e.account_id = a.id"
        " JOIN sessions_app_campaign c ON c.id = a.campaign_id GROUP BY a.student_id, c.fee_per_person"
    )
    wrong = [r for r in charges if r[1] != (1 if r[2] and r[3] > 0 else 0)]
    add("each charge once per active capture, net of reversals", not wrong, f"{len(wrong)} accounts off")
    posted = Counter(
        r[0]
        for r in q(
            "SELECT note_data->>'transaction_id' FROM fees_entry WHERE kind = 'payment' AND note_code = %s",
            "platform_payment",
        )  # fmt: skip
    )
    acknowledged = {tid for tid, status, outcome, _ in answers["callbacks"] if outcome in ("posted", "duplicate")}
    add(
        "each callback id posted once, every acknowledged one posted",
        all(n == 1 for n in posted.values()) and acknowledged <= set(posted),
        f"{sum(n > 1 for n in posted.values())} twice, {len(acknowledged - set(posted))} lost",
    )
    # Every answer to one transaction id names the same entry, and says "posted" at most once.
    entries, posted_answers = defaultdict(set), Counter()
    for tid, status, outcome, entry in answers["callbacks"]:
        if status == 200:
            entries[tid].add(entry)
            posted_answers[tid] += outcome == "posted"
    split = [tid for tid, seen in entries.items() if len(seen) > 1 or posted_answers[tid] > 1]
    resent = sum(1 for n in Counter(tid for tid, *_ in answers["callbacks"]).values() if n > 1)
    add("a callback sent again gets the same answer", not split, f"{resent} sent again, {len(split)} differ")
    keys = [key for key, status in answers["payments"] if status == 200]
    # Stored in the form's namespace ("client:<user>:payment:<key>"): matched by the key's tail.
    form_keys = q("SELECT idempotency_key FROM fees_entry WHERE idempotency_key LIKE 'client:%%'")
    stored = Counter(r[0].rsplit(":", 1)[-1] for r in form_keys)
    add("each acknowledged cash payment posted once", all(stored[k] == 1 for k in keys), f"{len(keys)} keys")
    off = q(
        "SELECT a.id FROM fees_feeaccount a LEFT JOIN ("
        " SELECT account_id,"
        "  sum(CASE WHEN COALESCE(reversed_kind, kind) = 'charge' THEN CASE WHEN kind = 'reversal' THEN -amount"
        "   ELSE amount END ELSE 0 END) AS charged,"
        "  sum(CASE WHEN COALESCE(reversed_kind, kind) = 'waiver' THEN CASE WHEN kind = 'reversal' THEN -amount"
        "   ELSE amount END ELSE 0 END) AS waived,"
        "  sum(CASE COALESCE(reversed_kind, kind) WHEN 'payment' THEN 1 WHEN 'refund' THEN -1 ELSE 0 END"
        "   * CASE WHEN kind = 'reversal' THEN -amount ELSE amount END) AS paid"
        " FROM fees_entry GROUP BY account_id) s ON s.account_id = a.id"
        " WHERE a.charged <> COALESCE(s.charged, 0) OR a.waived <> COALESCE(s.waived, 0)"
        " OR a.paid <> COALESCE(s.paid, 0) OR a.balance <> a.charged - a.waived - a.paid"
    )
    add("account totals equal their entries", not off, f"{len(off)} accounts off")
    sms_file = Path(stack.env["SMS_FILE_PATH"])
    text = sms_file.read_text() if sms_file.exists() else ""
    records = [json.loads(line) for line in text.splitlines()]
    # A delivery's provider key (the file backend writes it) at most once; a line without one
    # counts against its number: no more lines than deliveries to that number.
    keyed = Counter(r["key"] for r in records if r.get("key"))
    lines = Counter(r["phone"] for r in records if not r.get("key"))
    per_address = Counter(
        dict(q("SELECT address, count(*) FROM notifications_delivery WHERE channel = 'sms' GROUP BY 1"))
    )
    resent = [key for key, n in keyed.items() if n > 1] + [p for p, n in lines.items() if n > per_address.get(p, 0)]
    states = dict(q("SELECT status, count(*) FROM notifications_delivery GROUP BY 1"))
    add("each SMS sent at most once", not resent, f"{len(records)} sent, {len(resent)} twice; deliveries {states}")
    results += money(stack, answers)
    results += photos(stack, answers)
    active = q("SELECT status, count(*) FROM jobs_job WHERE status IN ('queued', 'running') GROUP BY 1")
    add("every job ended", not active, str(dict(active)))
    # A job's file is written once: no file that no job names (an export's ID numbers, never expired).
    media = Path(stack.env["MEDIA_ROOT"])
    named = {r[0] for r in q("SELECT file FROM jobs_job WHERE file <> ''")}
    stray = [p for p in (media / "jobs").rglob("*") if p.is_file() and str(p.relative_to(media)) not in named]
    add("no job file that no job names", not stray, f"{len(named)} job files, {len(stray)} stray")
    statuses = Counter(status for *_, status in recorder.rows)
    add("no 500 at all", statuses[500] == 0, f"{statuses[500]} × 500")
    outside = [
        (method, path, status)
        for at, method, path, status in recorder.rows
        if status >= 500 and not any(begin <= at <= end for _, begin, end in windows)
    ]
    add("no 5xx outside a fault window", not outside, "; ".join(f"{m} {p} {s}" for m, p, s in outside[:5]))
    return results


def money(stack: Stack, answers) -> list[tuple[str, bool, str]]:
    """Refunds, reversals and remittances, duplicated and reordered."""
    q = stack.q
    results = []

    def add(name, ok, detail=""):
        results.append((name, bool(ok), detail))

    keys = q(
        "SELECT idempotency_key, count(*) FROM fees_entry WHERE idempotency_key <> '' GROUP BY 1 HAVING count(*) > 1"
    )
    reversed_twice = q(
        "SELECT reverses_id FROM fees_entry WHERE reverses_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1"
    )
    add(
        "each form key posted once, each entry reversed at most once",
        not keys and not reversed_twice,
        f"{len(keys)} keys twice, {len(reversed_twice)} entries reversed twice",
    )
    replays = answers["replays"]
    fresh = [
        key
        for key, status, created, first, again in replays
        if status == 200 and (created is not False or first != again)
    ]
    add("a payment's resend after its reversal posts nothing", not fresh, f"{len(replays)} resent, {len(fresh)} posted")
    reversed_ok = q(
        "SELECT count(*) FROM fees_entry r JOIN fees_entry e ON e.id = r.reverses_id"
        " WHERE r.kind = 'reversal' AND e.id = ANY(%s)",
        [entry for entry, _ in answers["reversals"]],
    )[0][0]
    add(
        "each reversal sent twice at once reversed its payment once",
        reversed_ok <= len(answers["reversals"]) and not reversed_twice,
        f"{reversed_ok} of {len(answers['reversals'])} reversed",
    )
    refund_keys = [key for _, key in answers["refunds"]]
    refunds = Counter(
        r[0].rsplit(":", 1)[-1]
        for r in q("SELECT idempotency_key FROM fees_entry WHERE kind = 'refund' AND idempotency_key LIKE 'client:%%'")
    )
    add(
        "each refund sent twice at once posted at most once",
        all(refunds[k] <= 1 for k in refund_keys),
        f"{sum(refunds[k] for k in refund_keys)} posted of {len(refund_keys)}",
    )
    # Paid net of refunds and their reversals never below zero, from the entries alone.
    negative = q(
        "SELECT account_id FROM fees_entry GROUP BY account_id HAVING sum("
        " CASE COALESCE(reversed_kind, kind) WHEN 'payment' THEN 1 WHEN 'refund' THEN -1 ELSE 0 END"
        " * CASE WHEN kind = 'reversal' THEN -amount ELSE amount END) < 0"
    )
    add("no account refunded more than it paid", not negative, f"{len(negative)} accounts below zero")
    made = [ids for _, ids in answers["remittance_creates"]]
    add("each remittance key made one remittance", all(len(ids) <= 1 for ids in made), f"{made}")
    # A live remittance holds its items, and its amount is their cash; a withdrawn one holds none.
    off = q(
        "SELECT r.id FROM fees_remittance r LEFT JOIN ("
        " SELECT i.remittance_id, count(*) AS n, sum(CASE WHEN e.kind = 'payment' THEN e.amount"
        "  WHEN e.kind = 'refund' THEN -e.amount WHEN e.kind = 'reversal' AND e.reversed_kind = 'payment'"
        "  THEN -e.amount WHEN e.kind = 'reversal' AND e.reversed_kind = 'refund' THEN e.amount ELSE 0 END) AS cash"
        " FROM fees_remittanceitem i JOIN fees_entry e ON e.id = i.entry_id GROUP BY 1) s ON s.remittance_id = r.id"
        " WHERE (r.cancelled_at IS NULL AND (COALESCE(s.n, 0) <> r.entry_count OR COALESCE(s.cash, 0) <> r.amount))"
        " OR (r.cancelled_at IS NOT NULL AND s.n IS NOT NULL)"
    )
    add("each remittance's amount equals its entries", not off, f"{len(off)} remittances off")
    expected = {"confirm_then_reverse": (True, 1, 1), "reverse_then_confirm": (False, 1, 0)}
    wrong = []
    for pk, order in answers["remittances"]:
        cancelled, confirmations, reversals = q(
            "SELECT r.cancelled_at IS NOT NULL, (SELECT count(*) FROM fees_remittanceconfirmation c"
            " WHERE c.remittance_id = r.id), (SELECT count(*) FROM fees_confirmationreversal v"
            " JOIN fees_remittanceconfirmation c ON c.id = v.confirmation_id WHERE c.remittance_id = r.id)"
            " FROM fees_remittance r WHERE r.id = %s",
            pk,
        )[0]
        if (cancelled, confirmations, reversals) != expected[order]:
            wrong.append(f"{pk} {order}: cancelled={cancelled} confirmed={confirmations} reversed={reversals}")
    add(
        "a confirm resent around its reversal: confirmed once, reversed once, in order",
        not wrong,
        "; ".join(wrong) or f"{len(answers['remittances'])} remittances",
    )
    undone = answers["undone"]
    again = q(
        "SELECT count(*) FROM sessions_app_capture c WHERE c.undone_at IS NULL AND c.student_id IN"
        " (SELECT student_id FROM sessions_app_capture WHERE id = ANY(%s))"
        " AND NOT EXISTS (SELECT 1 FROM capture_day_deskswipe d WHERE d.capture_id = c.id"
        " AND d.nonce::text <> ALL(%s))",
        [capture_id for _, capture_id, *_ in undone],
        [nonce for nonce, *_ in undone],
    )[0][0]
    add(
        "a swipe resent after its undo captures nobody again",
        again == 0,
        f"{len(undone)} undone then resent, {again} captured again",
    )
    return results


def photos(stack: Stack, answers) -> list[tuple[str, bool, str]]:
    q = stack.q
    results = []
    rows = q("SELECT id, file, check_status, checked_at IS NOT NULL FROM retakes_retakephoto")
    unchecked = [r[0] for r in rows if r[2] == "pending" or not r[3]]
    results.append(("every photo checked", not unchecked, f"{len(rows)} photos, {len(unchecked)} unchecked"))
    # The worker's check moves the request at most once for each photo submitted to it.
    twice = q(
        "SELECT request_id FROM retakes_retakeevent GROUP BY request_id HAVING"
        " count(*) FILTER (WHERE note_code IN ('check_passed', 'check_failed', 'check_error'))"
        " > count(*) FILTER (WHERE note_code = 'photo_submitted')"
    )
    results.append(("each photo's check recorded once", not twice, f"{len(twice)} requests checked twice"))
    media = Path(stack.env["MEDIA_ROOT"])
    stored = {r[1] for r in rows}
    missing = [name for name in stored if not (media / name).exists()]
    orphans = [p for p in (media / "retakes").glob("*") if str(p.relative_to(media)) not in stored]
    results.append(
        (
            "every photo's file there, and no file without its photo",
            not missing and not orphans,
            f"{len(answers['uploads'])} uploads, {len(missing)} missing, {len(orphans)} orphan files;"
            f" {'; '.join(answers['photo_problems'][:3])}",
        )
    )
    return results
