//! The corpus for v2 section 1's keys: matrices, shared defaults, `after`, `working-directory`
//! and `.python-version` (the last through a file beside sessions.toml; see `run_case`).

use super::cases::{Case, Input};

const fn case(name: &'static str, text: &'static str, expected: &'static str) -> Case {
    Case { name, input: Input::Text(text), args: &[], expected }
}

pub const V2_CASES: &[Case] = &[
    case(
        "a matrix axis with no values",
        "[sessions.a]\nmatrix.django = []\ncommands = [\"true\"]\n",
        "2: [sessions.a] matrix: axis `django` has no values",
    ),
    case(
        "a matrix value that is not a string",
        "[sessions.a]\nmatrix.django = [\"4.2\", 5]\ncommands = [\"true\"]\n",
        "2:25: `sessions.a.matrix.django[1]`: invalid type: integer `5`, expected a string",
    ),
    case(
        "a matrix axis that is not an array",
        "[sessions.a]\nmatrix.django = \"4.2\"\ncommands = [\"true\"]\n",
        "`sessions.a.matrix.django`: invalid type: string \"4.2\", expected an array",
    ),
    case(
        "a matrix value listed twice",
        "[sessions.a]\nmatrix.django = [\"4.2\", \"4.2\"]\ncommands = [\"true\"]\n",
        "[sessions.a] matrix: axis `django`: `4.2` is listed twice",
    ),
    case(
        "a matrix value that cannot be part of a name",
        "[sessions.a]\nmatrix.db = [\"my sql\"]\ncommands = [\"true\"]\n",
        "[sessions.a] matrix: axis `db`: value `my sql`: the name contains a space",
    ),
    case(
        "matrix.python",
        "[sessions.a]\nmatrix.python = [\"3.12\"]\ncommands = [\"true\"]\n",
        "[sessions.a] matrix: `matrix.python` is not allowed",
    ),
    case(
        "an exclude naming an unknown axis",
        "[sessions.a]\nmatrix.django = [\"4.2\"]\nmatrix-exclude = [{ flask = \"3\" }]\ncommands = [\"true\"]\n",
        "3: [sessions.a] matrix-exclude: unknown axis `flask`",
    ),
    case(
        "an exclude naming python without a python list",
        "[sessions.a]\nmatrix.django = [\"4.2\", \"5.2\"]\nmatrix-exclude = [{ python = \"3.10\" }]\ncommands = [\"true\"]\n",
        "[sessions.a] matrix-exclude: unknown axis `python`",
    ),
    case(
        "an exclude naming a value the axis lacks",
        "[sessions.a]\npython = [\"3.11\", \"3.12\"]\nmatrix.django = [\"4.2\"]\nmatrix-exclude = [{ python = \"3.10\" }]\ncommands = [\"true\"]\n",
        "[sessions.a] matrix-exclude: axis `python` has no value `3.10`",
    ),
    case(
        "excludes that leave nothing",
        "[sessions.a]\nmatrix.django = [\"4.2\"]\nmatrix-exclude = [{ django = \"4.2\" }]\ncommands = [\"true\"]\n",
        "[sessions.a] matrix-exclude: excludes every combination",
    ),
    case(
        "a placeholder naming no axis",
        "[sessions.a]\nmatrix.django = [\"4.2\"]\ncommands = [\"echo {matrix.flask}\"]\n",
        "[sessions.a] commands: `{matrix.flask}` names no axis of the session",
    ),
    case(
        "a dependency naming no axis",
        "[sessions.a]\ndeps = [\"django=={matrix.django}\"]\ncommands = [\"true\"]\n",
        "[sessions.a] deps: `{matrix.django}` names no axis of the session",
    ),
    case(
        "an instance name taken by a matrix",
        "[sessions.a]\nmatrix.x = [\"1\"]\ncommands = [\"true\"]\n[sessions.a-x1]\ncommands = [\"true\"]\n",
        "instance name `a-x1` is defined twice",
    ),
    case(
        "extends naming an unknown session",
        "[sessions.base]\ncommands = [\"true\"]\n[sessions.a]\nextends = \"bsae\"\n",
        "4: [sessions.a] extends: unknown session `bsae`",
    ),
    case(
        "an extends cycle",
        "[sessions.a]\nextends = \"b\"\n[sessions.b]\nextends = \"c\"\n[sessions.c]\nextends = \"a\"\n",
        "`extends` forms a cycle: a -> b -> c -> a",
    ),
    case("a session extending itself", "[sessions.a]\nextends = \"a\"\n", "`extends` forms a cycle: a -> a"),
    case("extends in [defaults]", "[defaults]\nextends = \"a\"\n[sessions.a]\n", "[defaults] extends"),
    case(
        "an unknown key in [defaults]",
        "[defaults]\ndep = [\"x\"]\n[sessions.a]\n",
        "unknown key `dep` in [defaults]",
    ),
    case(
        "after naming an unknown session",
        "[sessions.test]\ncommands = [\"true\"]\n[sessions.report]\nafter = [\"tets\"]\ncommands = [\"true\"]\n",
        "4: [sessions.report] after: unknown session `tets`",
    ),
    case(
        "after and requires in a cycle",
        "[sessions.a]\nafter = [\"b\"]\ncommands = [\"true\"]\n[sessions.b]\nrequires = [\"a\"]\ncommands = [\"true\"]\n",
        "`requires` and `after` form a cycle",
    ),
    case(
        "a working-directory outside the project",
        "[sessions.a]\nworking-directory = \"../elsewhere\"\ncommands = [\"true\"]\n",
        "[sessions.a] working-directory: `../elsewhere`: `..` could leave the project",
    ),
    case(
        "an absolute working-directory",
        "[sessions.a]\nworking-directory = \"/tmp\"\ncommands = [\"true\"]\n",
        "[sessions.a] working-directory: `/tmp` is an absolute path",
    ),
    case(
        "a working-directory that does not exist",
        "[sessions.a]\nworking-directory = \"docs\"\ncommands = [\"true\"]\n",
        "2: [sessions.a] working-directory: `docs` does not exist",
    ),
    case(
        "skip-missing-interpreters as a string",
        "[forge]\nskip-missing-interpreters = \"yes\"\n[sessions.a]\n",
        "`forge.skip-missing-interpreters`: invalid type: string \"yes\"",
    ),
];
