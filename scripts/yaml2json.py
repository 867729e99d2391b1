#!/usr/bin/python3
# Converts the OpenAPI YAML document to the JSON the server embeds and serves.
import json, sys, yaml
with open(sys.argv[1]) as f:
    doc = yaml.safe_load(f)
with open(sys.argv[2], "w") as f:
    json.dump(doc, f, separators=(",", ":"))
