"""``python -m autograder <command>``: grade, release, mutants, heldout, sample-class, dashboard."""
import sys


def main() -> int:
    commands = {
        "grade": "autograder.pipeline",
        "release": "autograder.release",
        "mutants": "autograder.mutants",
        "heldout": "autograder.heldout",
        "sample-class": "autograder.sample_class",
        "adversarial": "autograder.adversarial",
        "integrity": "autograder.integrity",
        "bundle": "autograder.bundle",
        "figures": "autograder.figures",
        "dashboard": "autograder.dashboard",
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print("usage: python -m autograder {" + ",".join(commands) + "} [options]", file=sys.stderr)
        return 2
    import importlib
    name = sys.argv.pop(1)
    sys.argv[0] = f"autograder {name}"
    return importlib.import_module(commands[name]).main()


if __name__ == "__main__":
    sys.exit(main())
