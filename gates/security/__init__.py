"""Security knowledge shared by several gates (config, secrets, bundle): what a credential is."""
