"""Starting community guidelines, so moderators can act (every action cites a rule) from the first
day; administrators rewrite them in the site (/moderation/rules/)."""

from django.db import migrations

RULES = [
    ("Respect people", "احترام الأشخاص", "Respecter les personnes",
     "No personal attacks, harassment or hate.", "لا هجمات شخصية ولا تحرّش ولا خطاب كراهية.",
     "Ni attaques personnelles, ni harcèlement, ni discours de haine."),
    ("Protect people at risk", "حماية المعرّضين للخطر", "Protéger les personnes exposées",
     "Never reveal anyone's identity, location or contacts without their consent.",
     "لا تكشف أبدًا هوية أحد أو مكانه أو وسائل التواصل معه دون موافقته.",
     "Ne révélez jamais l’identité, la localisation ou les coordonnées de quelqu’un sans son accord."),
    ("Stay on topic", "الالتزام بالموضوع", "Rester dans le sujet",
     "Contribute to the thread's subject; open a new thread for anything else.",
     "شارك في موضوع النقاش؛ وافتح موضوعًا جديدًا لما سواه.",
     "Contribuez au sujet de la discussion ; ouvrez-en une autre pour le reste."),
    ("No spam or advertising", "لا رسائل مزعجة ولا إعلانات", "Ni spam ni publicité",
     "Do not post advertising or repeated messages.", "لا تنشر إعلانات أو رسائل متكررة.",
     "Ne publiez ni publicité ni messages répétés."),
    ("Respect the law", "احترام القانون", "Respecter la loi",
     "Do not post illegal content.", "لا تنشر محتوى غير قانوني.", "Ne publiez pas de contenu illégal."),
]


def add_rules(apps, schema_editor):
    Rule = apps.get_model("moderation", "Rule")
    if Rule.objects.exists():
        return
    for position, (title_en, title_ar, title_fr, body_en, body_ar, body_fr) in enumerate(RULES):
        Rule.objects.create(title_en=title_en, title_ar=title_ar, title_fr=title_fr, body_en=body_en,
                            body_ar=body_ar, body_fr=body_fr, position=position * 10)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
