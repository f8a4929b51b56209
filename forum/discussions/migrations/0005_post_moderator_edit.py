from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('discussions', '0004_verbose_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='post',
            name='moderator_edit',
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]
