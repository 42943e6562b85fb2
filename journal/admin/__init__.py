"""The clinic's administrator: a third role, made once from the command line
(`flask admin create EMAIL`), always with two-step sign-in.

The administrator invites therapists (an emailed link, through the job queue) and
closes their accounts, and sees counts and the system's state: how many patients
each therapist has, how many shared questionnaire results have waited over a day,
when each last signed in, the jobs that failed, and which content is in force.
Nothing here opens a sealed record, and no patient's data or page is reachable with
this role (`views/admin.py` answers 404 to every other route).
"""
