"""Code that runs inside the student's kernel: small, plain and public (no oracle, no verdict).

``wire`` (the message format), ``peer`` (request/reply over a Unix socket), ``evaluator``
(answers the judge's requests), ``shim`` (what ``autograder.checks.labNN`` is inside the
kernel) and ``policy`` (refuses frameworks a lab forbids).  Only the standard library and
NumPy are imported: the sandbox binds exactly these files.
"""
