"""A realistic, deterministic demo program for `flask seed-demo`.

The demo is a small New York City co-response program: six teams based at
precinct station houses, their officers and clinicians, supervisors, a provider
directory, and people with referrals, cases, outreach contacts and connections
to care spread over the last eighteen months.

Determinism: every random choice comes from one `random.Random(seed)`, and each
choice draws exactly one number from it (see `Dice`), so the same seed always
builds the same people, names, statuses and counts. Times are offsets from the
real current time, so the demo always looks current (a first contact due this
afternoon, a referral from this morning); only clock readings differ between runs.

Accounts and teams go through their services (password hashing, membership rules,
audit events). The bulk records are built directly with the models, mirroring what
the referral, case, contact and linkage services write, and flushed in batches:
a service call per contact would make seeding take minutes.

One module for each thing built: program (the entry points below, in order),
accounts, teams, providers, plans (which story each person gets), timelines,
people, referrals, cases, schedules (when contacts happen), contacts,
connections and consent; world holds what they share, dice the randomness, and
reference the places, names and words they are made of.
"""

from coresponse.demo.program import database_has_data, logins_text, seed

__all__ = ["database_has_data", "logins_text", "seed"]
