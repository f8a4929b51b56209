from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('discussions', '0003_post_hidden_reason'),
    ]

    operations = [
        migrations.AddField(
            model_name='post',
            name='moderator_edit',
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]
