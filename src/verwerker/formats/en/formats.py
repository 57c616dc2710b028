# The house's one format (see verwerker/formats/__init__.py); templates use it through {{ value }} and
# |date:"DATETIME_FORMAT", Python code through django.utils.formats.date_format.
DATE_FORMAT = "d-m-Y"
DATETIME_FORMAT = "d-m-Y H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
DATE_INPUT_FORMATS = ["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"]
DATETIME_INPUT_FORMATS = ["%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
