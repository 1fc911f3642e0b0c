"""The first-level areas and their registry household totals.

This migration once loaded one city's facts. A city's facts now come only from its profile
(cities/<name>/, loaded by `manage.py load_city`): databases that ran it keep their rows, and a
fresh database gets them from load_city. It is kept, doing nothing, so migration history stays whole.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("wards", "0001_initial")]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
