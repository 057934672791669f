class NotAStrategy:
    """Looks like one, is not one."""

    parameters = {"a": 1}

    def execute(self):
        return []
