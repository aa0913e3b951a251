"""The answers the COVID-19 Vaccination Registration form offers, as data."""

from django.db import models


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Another sex or gender"
    UNSAID = "unsaid", "Prefer not to answer"


class Race(models.TextChoices):
    """The CDC / OMB race categories; several may be chosen."""

    AMERICAN_INDIAN = "american_indian", "American Indian or Alaska Native"
    ASIAN = "asian", "Asian"
    BLACK = "black", "Black or African American"
    PACIFIC_ISLANDER = "pacific_islander", "Native Hawaiian or Other Pacific Islander"
    WHITE = "white", "White"
    OTHER = "other", "Other race"
    UNSAID = "unsaid", "Prefer not to answer"


class Ethnicity(models.TextChoices):
    HISPANIC = "hispanic", "Hispanic or Latino"
    NOT_HISPANIC = "not_hispanic", "Not Hispanic or Latino"
    UNSAID = "unsaid", "Prefer not to answer"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Español (Spanish)"
    OTHER = "other", "Another language"


class ContactMethod(models.TextChoices):
    EMAIL = "email", "Email"
    TEXT = "text", "Text message"
    PHONE = "phone", "Phone call"


class Sector(models.TextChoices):
    """Where a person works: the eight frontline essential sectors of group 3, then the other
    essential sectors of group 4 (nc-vaccine-groups.md)."""

    CRITICAL_MANUFACTURING = "critical_manufacturing", "Critical manufacturing"
    EDUCATION = "education", "Education (child care, pre-K–12)"
    ESSENTIAL_GOODS = "essential_goods", "Essential goods (grocery, pharmacy)"
    FOOD_AGRICULTURE = "food_agriculture", "Food and agriculture"
    GOVERNMENT = "government", "Government and community services"
    HEALTH_PUBLIC_HEALTH = "health_public_health", "Health care and public health"
    PUBLIC_SAFETY = "public_safety", "Public safety"
    TRANSPORTATION = "transportation", "Transportation"
    CHEMICAL = "chemical", "Chemical"
    COMMERCIAL_FACILITIES = "commercial_facilities", "Commercial facilities"
    COMMUNICATIONS = "communications", "Communications and information technology"
    DEFENSE = "defense", "Defense industrial base"
    ENERGY = "energy", "Energy"
    FINANCIAL = "financial", "Financial services"
    PUBLIC_WORKS = "public_works", "Public works and infrastructure"
    NONE = "none", "None of these"


FRONTLINE_SECTORS = [
    Sector.CRITICAL_MANUFACTURING,
    Sector.EDUCATION,
    Sector.ESSENTIAL_GOODS,
    Sector.FOOD_AGRICULTURE,
    Sector.GOVERNMENT,
    Sector.HEALTH_PUBLIC_HEALTH,
    Sector.PUBLIC_SAFETY,
    Sector.TRANSPORTATION,
]
OTHER_ESSENTIAL_SECTORS = [
    Sector.CHEMICAL,
    Sector.COMMERCIAL_FACILITIES,
    Sector.COMMUNICATIONS,
    Sector.DEFENSE,
    Sector.ENERGY,
    Sector.FINANCIAL,
    Sector.PUBLIC_WORKS,
]

# North Carolina's 100 counties.
NC_COUNTIES = [
    "Alamance", "Alexander", "Alleghany", "Anson", "Ashe", "Avery", "Beaufort", "Bertie",
    "Bladen", "Brunswick", "Buncombe", "Burke", "Cabarrus", "Caldwell", "Camden", "Carteret",
    "Caswell", "Catawba", "Chatham", "Cherokee", "Chowan", "Clay", "Cleveland", "Columbus",
    "Craven", "Cumberland", "Currituck", "Dare", "Davidson", "Davie", "Duplin", "Durham",
    "Edgecombe", "Forsyth", "Franklin", "Gaston", "Gates", "Graham", "Granville", "Greene",
    "Guilford", "Halifax", "Harnett", "Haywood", "Henderson", "Hertford", "Hoke", "Hyde",
    "Iredell", "Jackson", "Johnston", "Jones", "Lee", "Lenoir", "Lincoln", "McDowell", "Macon",
    "Madison", "Martin", "Mecklenburg", "Mitchell", "Montgomery", "Moore", "Nash",
    "New Hanover", "Northampton", "Onslow", "Orange", "Pamlico", "Pasquotank", "Pender",
    "Perquimans", "Person", "Pitt", "Polk", "Randolph", "Richmond", "Robeson", "Rockingham",
    "Rowan", "Rutherford", "Sampson", "Scotland", "Stanly", "Stokes", "Surry", "Swain",
    "Transylvania", "Tyrrell", "Union", "Vance", "Wake", "Warren", "Washington", "Watauga",
    "Wayne", "Wilkes", "Wilson", "Yadkin", "Yancey",
]  # fmt: skip

# The 50 states and the District of Columbia, for the home address.
US_STATES = [
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"),
    ("CA", "California"), ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"),
    ("DC", "District of Columbia"), ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"),
    ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"),
    ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"), ("MD", "Maryland"),
    ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"), ("MS", "Mississippi"),
    ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"),
    ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"),
    ("OR", "Oregon"), ("PA", "Pennsylvania"), ("RI", "Rhode Island"),
    ("SC", "South Carolina"), ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"),
    ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"), ("WA", "Washington"),
    ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
]  # fmt: skip
