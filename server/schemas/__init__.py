"""Marshmallow schemas: `<X>Schema` out, `<X>CreateSchema`/`<X>UpdateSchema` in, `<X>QueryArgsSchema`."""
