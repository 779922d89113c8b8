import sys

from django.core.management.base import BaseCommand, CommandError

from tasks.audit import AuditChainError, ChainKeys, audit_chain_switch, audit_verify


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chain; exits non-zero and names the first broken row if any was edited, "
        "or when the chain is not hashed with AUDIT_CHAIN_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--switch-key",
            action="store_true",
            help="Once, after setting or changing AUDIT_CHAIN_KEY: check the chain with the keys it had, then hash "
            "the rows from now on with AUDIT_CHAIN_KEY.",
        )
        parser.add_argument("--operator", default="", help="Who switches the key (recorded in the audit row).")

    def handle(self, *args, switch_key=False, operator="", **options):
        keys = ChainKeys.from_settings()
        if switch_key:
            try:
                switch = audit_chain_switch(by=operator or "manage.py verify_audit --switch-key")
            except AuditChainError as error:
                sys.stderr.write(f"{error}\n")
                raise CommandError("the audit log keeps its key", returncode=1) from None
            if switch is None:
                self.stdout.write(f"The audit log is already hashed with AUDIT_CHAIN_KEY (key id {keys.current}).")
            else:
                self.stdout.write(
                    f"Switched: audit rows from id={switch.pk} on are hashed with AUDIT_CHAIN_KEY "
                    f"(key id {keys.current})."
                )
        result = audit_verify()
        if result.problem == "key":
            sys.stderr.write(f"WRONG KEY at audit row id={result.broken.pk} ({result.broken}): {result.why}.\n")
        elif result.problem == "unswitched":
            sys.stderr.write(f"NOT KEYED: {result.why}. {result.checked} rows verified.\n")
        elif result.broken is not None:
            sys.stderr.write(
                f"BROKEN at audit row id={result.broken.pk} ({result.broken}): {result.why}. "
                f"{result.checked} rows before it verified.\n"
            )
        if result.broken is not None:
            raise CommandError("audit log verification failed", returncode=1)
        self.stdout.write(f"OK: {result.checked} audit rows verified{self._runs(result, keys)}.")
        if result.last is not None:
            # Kept off the server, this line shows later whether the newest rows were removed.
            self.stdout.write(f"Newest row: id={result.last.pk} hash={result.last.hash}")

    def _runs(self, result, keys: ChainKeys) -> str:
        def named(key_id):
            if not key_id:
                return "without a key"
            return f"with {'AUDIT_CHAIN_KEY' if key_id == keys.current else 'AUDIT_CHAIN_KEY_FALLBACKS'} ({key_id})"

        return "".join(f", from id={first} {named(key_id)}" for key_id, first in result.runs)
