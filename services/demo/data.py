"""What the demo community is made of: its named people, programmes and library (services/demo)."""
from __future__ import annotations

DEMO_PASSWORD = "peerless-demo-2026"
# Every demo account's email ends with this: `.invalid` is reserved (RFC 2606), so no mail reaches anyone.
DEMO_DOMAIN = "demo.peerless.invalid"
# A multi-use code for the first programme, for trying POST /me/referrals (real codes are random).
DEMO_REFERRAL_CODE = "PEER-DEMS-22"
# (name, kind, members' email names); the first programme also takes in the whole synthetic cohort.
PROGRAMMES = [("Northside NHS Trust diabetes service", "provider", ["owen", "sam", "priya", "yusuf"]),
              ("Breathe Easy Wales", "charity", ["tom", "nia"])]
ORGANISATION_MODERATOR = ("Northside NHS Trust diabetes service", "owen")

# (email name, display name, roles, region, languages, [(condition slug, diagnosed year, treatments, visibility)])
PEOPLE = [
    ("ada", "Ada (demo admin)", ["admin", "moderator"], "GB-ENG", ["en"], []),
    ("amira", "Amira (demo moderator)", ["moderator"], "GB-ENG", ["en", "ar"], []),
    ("owen", "Owen (demo Northside moderator)", ["moderator"], "GB-ENG", ["en"], []),
    ("grace", "Grace M. (demo mentor)", ["mentor"], "GB-SCT", ["en"],
     [("type-1-diabetes", 2004, ["insulin pump", "CGM"], "public")]),
    ("dev", "Dev (demo mentor)", ["mentor"], "GB-ENG", ["en", "pa"],
     [("copd", 2012, ["inhalers", "pulmonary rehab"], "public"), ("type-2-diabetes", 2015, ["metformin"], "matches")]),
    ("sam", "Sam (demo)", [], "GB-ENG", ["en"], [("type-1-diabetes", 2025, ["multiple daily injections"], "matches")]),
    ("priya", "Priya (demo)", [], "GB-ENG", ["en", "hi"], [("type-1-diabetes", 2019, ["insulin pump"], "public")]),
    ("tom", "Tom (demo)", [], "GB-WLS", ["en", "cy"], [("copd", 2024, ["inhalers"], "matches")]),
    ("jo", "Jo (demo)", [], "GB-NIR", ["en"], [("crohns-disease", 2021, ["biologic"], "matches")]),
    ("maria", "Maria (demo)", [], "GB-ENG", ["en", "es"], [("multiple-sclerosis", 2018, [], "private")]),
    ("lee", "Lee (demo)", [], "GB-ENG", ["en"], [("long-covid", 2022, ["pacing"], "public")]),
    ("fatima", "Fatima (demo)", [], "GB-ENG", ["en", "ur"], [("type-2-diabetes", 2023, ["diet"], "matches")]),
    ("chris", "Chris (demo)", [], "GB-SCT", ["en"], [("heart-failure", 2020, ["beta blocker"], "matches")]),
    ("ola", "Ola (demo)", [], "GB-ENG", ["en", "pl"], [("rheumatoid-arthritis", 2016, ["methotrexate"], "public")]),
    ("nia", "Nia (demo)", [], "GB-WLS", ["en"], [("asthma", 2001, ["preventer inhaler"], "public")]),
    ("ben", "Ben (demo)", [], "GB-ENG", ["en"], [("depression", 2017, ["talking therapy"], "private")]),
    ("yusuf", "Yusuf (demo)", [], "GB-ENG", ["en", "tr"], [("type-1-diabetes", 2010, ["CGM"], "matches")]),
]

# The synthetic cohort behind the outcome and programme figures (services/demo/history.py): enough
# people that no figure falls under the minimum cell size of 10, in every group of the split.
COHORT_MENTORS = 22      # accredited; the first FULL_MENTORS have one place, taken
FULL_MENTORS = 11
COHORT_PEERS = 34        # the first MENTORED_PEERS were mentored last quarter, the next CIRCLE_PEERS sat in a circle
MENTORED_PEERS = 14
CIRCLE_PEERS = 4
DECLINED_PEERS = 3       # asked a mentor last quarter and were declined
EXPIRED_PEERS = 2        # asked and heard nothing
COHORT_CONDITIONS = ["type-1-diabetes", "type-2-diabetes", "copd", "asthma", "long-covid", "heart-failure"]
REGIONS = ["GB-ENG", "GB-ENG", "GB-ENG", "GB-SCT", "GB-WLS", "GB-NIR"]

# The library: well-known public pages (title, url, evidence level, condition slugs), published by the
# moderator, then one mentor's published guide and another's draft waiting in the review queue.
LIBRARY = [
    ("Type 2 diabetes in adults: management (NICE NG28)", "https://www.nice.org.uk/guidance/ng28",
     "guideline", ["type-2-diabetes"]),
    ("Type 1 diabetes in adults: diagnosis and management (NICE NG17)", "https://www.nice.org.uk/guidance/ng17",
     "guideline", ["type-1-diabetes"]),
    ("COPD in over 16s: diagnosis and management (NICE NG115)", "https://www.nice.org.uk/guidance/ng115",
     "guideline", ["copd"]),
    ("Depression in adults: treatment and management (NICE NG222)", "https://www.nice.org.uk/guidance/ng222",
     "guideline", ["depression"]),
    ("Managing the long-term effects of COVID-19 (NICE NG188)", "https://www.nice.org.uk/guidance/ng188",
     "guideline", ["long-covid"]),
    ("Pulmonary rehabilitation for COPD (Cochrane review)", "https://doi.org/10.1002/14651858.CD003793.pub3",
     "systematic_review", ["copd"]),
    ("Type 2 diabetes (NHS)", "https://www.nhs.uk/conditions/type-2-diabetes/", "expert_opinion", ["type-2-diabetes"]),
    ("Type 1 diabetes (NHS)", "https://www.nhs.uk/conditions/type-1-diabetes/", "expert_opinion", ["type-1-diabetes"]),
    ("COPD (NHS)", "https://www.nhs.uk/conditions/chronic-obstructive-pulmonary-disease-copd/", "expert_opinion",
     ["copd"]),
    ("Asthma (NHS)", "https://www.nhs.uk/conditions/asthma/", "expert_opinion", ["asthma"]),
]
GUIDES = [  # (author, title, body, condition slugs, published)
    ("dev", "How I got back on my feet after an operation, with COPD",
     "I had a hernia repair in 2023, three years into COPD. What helped me most: I asked the pre-op nurse early "
     "how my inhalers and diabetes tablets would be handled on the day, and wrote her answers down. The physio "
     "showed me breathing and coughing exercises before the operation and I practised them every morning. At home "
     "I walked to the end of the road on day one and a little further each day, resting when I got breathless. I "
     "kept a small notebook of pain, breathing and walking, which made the follow-up call easy. I rang 111 once "
     "when the wound looked red, and I am glad I did. This is my experience, not medical advice: your own team "
     "knows your situation.", ["copd", "type-2-diabetes"], True),
    ("grace", "Telling colleagues about hypos",
     "What I say to a new team in my first week, and the one-page note I leave in my desk drawer.",
     ["type-1-diabetes"], False),
]
