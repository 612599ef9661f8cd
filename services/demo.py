"""A small, believable demo community for trying the app (`flask --app wsgi seed-demo`)."""
from __future__ import annotations

from sqlalchemy import select

from models import Condition, User, UserCondition, db
from services import accounts

DEMO_PASSWORD = "peerless-demo-2026"

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
    return created
