import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partybuild.settings")
application = get_wsgi_application()

# What starting made (Django, the apps, their modules: objects that live as long as the process) is moved out of
# the garbage collector's sight, so that a full collection during a request does not walk it all again: a page
# that builds a few thousand objects (the dashboard) was 3 ms slower on average without it (bench/RESULTS.md,
# seventh run).
gc.freeze()
