"""After the run of a deployment: roll back (:mod:`gates.deploy.rollback`) and tell the team
(:mod:`gates.deploy.notify`). Called by ``gates run`` once the verdict is known; contract in
docs/post-deploy.md."""
