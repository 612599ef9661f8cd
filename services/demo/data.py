"""A small, believable demo community for trying the app (`flask --app wsgi seed-demo`)."""
from __future__ import annotations

from sqlalchemy import select

from models import (
    Condition, MembershipRole, Organisation, OrganisationMember, ReferralCode, Resource, User, UserCondition, db,
)
from services import accounts, organisations, resources

DEMO_PASSWORD = "peerless-demo-2026"
# A multi-use code for the first programme, for trying POST /me/referrals (real codes are random).
DEMO_REFERRAL_CODE = "PEER-DEMS-22"
# (name, kind, members' email names)
PROGRAMMES = [("Northside NHS Trust diabetes service", "provider", ["sam", "priya", "yusuf"]),
              ("Breathe Easy Wales", "charity", ["tom", "nia"])]

# (email name, display name, roles, region, languages, [(condition slug, diagnosed year, treatments, visibility)])
PEOPLE = [
    ("amira", "Amira", ["moderator"], "GB-ENG", ["en", "ar"], []),
    ("grace", "Grace M.", ["mentor"], "GB-SCT", ["en"],
     [("type-1-diabetes", 2004, ["insulin pump", "CGM"], "public")]),
    ("dev", "Dev", ["mentor"], "GB-ENG", ["en", "pa"],
     [("copd", 2012, ["inhalers", "pulmonary rehab"], "public"), ("type-2-diabetes", 2015, ["metformin"], "matches")]),
    ("sam", "Sam", [], "GB-ENG", ["en"], [("type-1-diabetes", 2025, ["multiple daily injections"], "matches")]),
    ("priya", "Priya", [], "GB-ENG", ["en", "hi"], [("type-1-diabetes", 2019, ["insulin pump"], "public")]),
    ("tom", "Tom", [], "GB-WLS", ["en", "cy"], [("copd", 2024, ["inhalers"], "matches")]),
    ("jo", "Jo", [], "GB-NIR", ["en"], [("crohns-disease", 2021, ["biologic"], "matches")]),
    ("maria", "Maria", [], "GB-ENG", ["en", "es"], [("multiple-sclerosis", 2018, [], "private")]),
    ("lee", "Lee", [], "GB-ENG", ["en"], [("long-covid", 2022, ["pacing"], "public")]),
    ("fatima", "Fatima", [], "GB-ENG", ["en", "ur"], [("type-2-diabetes", 2023, ["diet"], "matches")]),
    ("chris", "Chris", [], "GB-SCT", ["en"], [("heart-failure", 2020, ["beta blocker"], "matches")]),
    ("ola", "Ola", [], "GB-ENG", ["en", "pl"], [("rheumatoid-arthritis", 2016, ["methotrexate"], "public")]),
    ("nia", "Nia", [], "GB-WLS", ["en"], [("asthma", 2001, ["preventer inhaler"], "public")]),
    ("ben", "Ben", [], "GB-ENG", ["en"], [("depression", 2017, ["talking therapy"], "private")]),
    ("yusuf", "Yusuf", [], "GB-ENG", ["en", "tr"], [("type-1-diabetes", 2010, ["CGM"], "matches")]),
]

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


def seed_demo_community() -> list[User]:
    """Create the demo accounts that do not exist yet; return the new ones."""
    conditions = {c.slug: c.id for c in db.session.scalars(select(Condition))}
    created = []
    for name, display_name, roles, region, languages, lived in PEOPLE:
        email = f"{name}@demo.peerless.example"
        if db.session.scalar(select(User.id).where(User.email == email)):
            continue
        user = accounts.create_staff_user(email=email, password=DEMO_PASSWORD, display_name=display_name, roles=roles)
        user.region, user.languages, user.timezone = region, languages, "Europe/London"
        user.birth_year = 1960 + len(created) * 3
        user.conditions = [
            UserCondition(condition_id=conditions[slug], diagnosed_year=year, treatments=treatments, visibility=vis)
            for slug, year, treatments, vis in lived if slug in conditions
        ]
        db.session.commit()
        created.append(user)
    _seed_library(conditions)
    _seed_programmes()
    return created


def _seed_library(conditions: dict[str, str]) -> None:
    """Add the library entries whose titles are not there yet."""
    people = {u.email.split("@")[0]: u for u in db.session.scalars(
        select(User).where(User.email.like("%@demo.peerless.example")))}
    existing = set(db.session.scalars(select(Resource.title)))
    moderator = people["amira"]
    for title, url, level, slugs in LIBRARY:
        if title not in existing:
            resources.create(moderator, title=title, url=url, evidence_level=level, status="published",
                             condition_ids=[conditions[s] for s in slugs if s in conditions])
    for author, title, body, slugs, publish in GUIDES:
        if title not in existing:
            guide = resources.create(people[author], title=title, body=body,
                                     condition_ids=[conditions[s] for s in slugs if s in conditions])
            if publish:
                resources.update(moderator, guide.id, status="published")


def _seed_programmes() -> None:
    """Two programmes with a few members each, and a demo code for the first. The demo moderator stays
    network-wide (making her an organisation's moderator would narrow what she sees)."""
    people = {u.email.split("@")[0]: u.id for u in db.session.scalars(
        select(User).where(User.email.like("%@demo.peerless.example")))}
    for name, kind, members in PROGRAMMES:
        if db.session.scalar(select(Organisation.id).where(Organisation.name == name)):
            continue
        org = Organisation(name=name, kind=kind)
        db.session.add(org)
        db.session.flush()
        db.session.add_all(OrganisationMember(organisation_id=org.id, user_id=people[m], role=MembershipRole.MEMBER)
                           for m in members if m in people)
        if name == PROGRAMMES[0][0]:
            db.session.add(ReferralCode(organisation_id=org.id, code_hash=organisations.hash_code(DEMO_REFERRAL_CODE),
                                        code_prefix=organisations.normalise_code(DEMO_REFERRAL_CODE)[:4], max_uses=None))
    db.session.commit()
