"""The original Flask app's CEP endpoint, for ``perf/run.py --reference PATH`` (see perf/README.md).

A bare Flask app with the reference's own location blueprint (``PATH/webapp/ocipizza/app/location/``),
mounted where the original mounts it (``/locations/zipcodes/<zipcode>``), and nothing else of that app:
the comparison is endpoint against endpoint. The runner serves it with the project's gunicorn.conf.py
from ``PATH/webapp/ocipizza`` (its ``Zipcode`` opens ``app/location/zipcode.db`` relative to the working
directory) in a virtualenv of its own (``var/reference-venv``, requirements-reference.txt): none of its
code and neither Flask nor its packages enter the project.
"""

import os
import sys

from flask import Flask

sys.path.insert(0, os.path.join(os.getcwd(), "app"))

from location import api_location_blueprint  # the reference checkout's own package

application = Flask("ocipizza-reference")
application.register_blueprint(api_location_blueprint, url_prefix="/locations")
