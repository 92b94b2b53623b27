using System.Text.RegularExpressions;
using Cavra.Gate.Decisions;

namespace Cavra.Gate.Tests.Decisions;

/// <summary>docs/design/decisions.md §4.2: whole-string, ordinal, '*' ≡ '**' ≡ any run without '\n', everything else literal.</summary>
public class PatternMatcherTests
{
    [Theory]
    // The consequences docs/design/decisions.md §4.2 lists.
    [InlineData("**/secrets.*", "secrets.yaml", false)]
    [InlineData("**/secrets.*", "config/secrets.yaml", true)]
    [InlineData("**/*.pem", "key.pem", false)]
    [InlineData("**/*.pem", "certs/key.pem", true)]
    [InlineData(".env", ".env", true)]
    [InlineData(".env", "./.env", false)]
    [InlineData("iam/**", "iam/x/y", true)]
    [InlineData("iam/**", "iam/", true)]
    [InlineData("iam/**", "iam", false)]
    [InlineData("**/iam/**", "iam/x", false)]
    [InlineData("**/iam/**", "a/iam/x", true)]
    [InlineData("curl *|*sh*", "curl URL | sh", true)]
    [InlineData("curl *|*sh*", "curl https://example.invalid/install.sh | sh", true)]
    [InlineData("curl *|*sh*", "curl https://example.invalid/install.sh", false)]
    // '*' and '**' (and longer runs) are the same thing, and match '/'.
    [InlineData("a*b", "a/x/y/b", true)]
    [InlineData("a**b", "a/x/y/b", true)]
    [InlineData("a***b", "ab", true)]
    [InlineData("*", "", true)]
    [InlineData("**", "anything/at/all", true)]
    // Whole string and case-sensitive.
    [InlineData("terraform plan*", "  terraform plan", false)]
    [InlineData("terraform plan*", "Terraform plan", false)]
    [InlineData("pytest", "pytest -q", false)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    // Regex metacharacters are literal.
    [InlineData("a.b", "axb", false)]
    [InlineData("a.b", "a.b", true)]
    [InlineData("a?b", "ab", false)]
    [InlineData("a?b", "a?b", true)]
    [InlineData("[ab]", "a", false)]
    [InlineData("[ab]", "[ab]", true)]
    [InlineData("a+", "aa", false)]
    [InlineData("(x|y)", "x", false)]
    [InlineData("(x|y)", "(x|y)", true)]
    [InlineData("^a$", "a", false)]
    [InlineData("^a$", "^a$", true)]
    [InlineData("a{2}", "aa", false)]
    [InlineData(@"a\b", @"a\b", true)]
    [InlineData(@"a\*", @"a\xyz", true)]
    [InlineData(@"a\d", "a1", false)]
    [InlineData("$HOME/*", "$HOME/x", true)]
    // Backtracking across repeated literals.
    [InlineData("*ab*ab", "abxabab", true)]
    [InlineData("*aab", "aaab", true)]
    [InlineData("a*a", "a", false)]
    [InlineData("a*a", "aa", true)]
    [InlineData("kubectl apply*--context*prod*", "kubectl apply -f deploy.yaml --context prod", true)]
    [InlineData("kubectl apply*--context*prod*", "kubectl apply -f prod.yaml --context staging", false)]
    public void Matches_like_the_runtime(string pattern, string value, bool expected)
    {
        Assert.Equal(expected, PatternMatcher.Compile(pattern).IsMatch(value));
        Assert.Equal(expected, GoSemanticsRegex(pattern).IsMatch(value));
    }

    [Theory]
    [InlineData("terraform plan*", "terraform plan\n")]
    [InlineData("terraform plan*", "terraform plan\nrm -rf /")]
    [InlineData("*", "\n")]
    [InlineData("**/secrets.*", "a/secrets.\nyaml")]
    [InlineData("a*b", "a\nb")]
    [InlineData("*x*", "\nx")]
    public void A_star_never_matches_a_newline(string pattern, string value)
        => Assert.False(PatternMatcher.Compile(pattern).IsMatch(value));

    [Theory]
    [InlineData(".env", ".env\n")]
    [InlineData("git push origin main", "git push origin main\n")]
    [InlineData("iam/**", "iam/x\n")]
    public void A_trailing_newline_is_not_matched(string pattern, string value)
    {
        // .NET's "$" would accept these (it also matches before a final "\n"); Go's does not.
        Assert.Matches("^" + Regex.Escape(pattern).Replace(@"\*", ".*") + "$", value);
        Assert.False(PatternMatcher.Compile(pattern).IsMatch(value));
    }

    [Theory]
    [InlineData("a\nb", "a\nb", true)]          // a newline in the pattern is literal
    [InlineData("a\n*", "a\nxyz", true)]
    [InlineData("*\nb", "xyz\nb", true)]
    [InlineData("*\n*", "x\ny", true)]
    [InlineData("*\n*", "x\ny\nz", false)]
    [InlineData("*a\nb*", "za\nbz", true)]
    [InlineData("*\n*\n*", "a\nb\nc", true)]
    [InlineData("*\n*\n*", "a\n\n", true)]
    [InlineData("*\nx*", "\nx\n", false)]
    [InlineData("*\nx*", "q\nxq", true)]
    public void Literal_newlines_in_the_pattern(string pattern, string value, bool expected)
    {
        Assert.Equal(expected, PatternMatcher.Compile(pattern).IsMatch(value));
        Assert.Equal(expected, GoSemanticsRegex(pattern).IsMatch(value));
    }

    [Fact]
    public void Agrees_with_an_RE2_style_regex_on_random_inputs()
    {
        var rng = new Random(20260518);
        const string alphabet = "ab/*.\n";
        for (int i = 0; i < 20000; i++)
        {
            string pattern = RandomText(rng, alphabet, 6);
            string value = RandomText(rng, "ab/.\n", 8);
            bool expected = GoSemanticsRegex(pattern).IsMatch(value);
            Assert.True(expected == PatternMatcher.Compile(pattern).IsMatch(value), $"pattern {Show(pattern)} value {Show(value)}: expected {expected}");
        }
    }

    [Fact]
    public void Null_value_never_matches() => Assert.False(PatternMatcher.Compile("*").IsMatch(null!));

    /// <summary>The Go construction with .NET's regex made to behave like RE2 here: \A…\z anchors, '.' without Singleline.</summary>
    private static Regex GoSemanticsRegex(string pattern)
        => new Regex(@"\A" + Regex.Escape(pattern).Replace(@"\*", ".*") + @"\z", RegexOptions.CultureInvariant);

    private static string RandomText(Random rng, string alphabet, int maxLength)
    {
        var chars = new char[rng.Next(maxLength + 1)];
        for (int i = 0; i < chars.Length; i++) chars[i] = alphabet[rng.Next(alphabet.Length)];
        return new string(chars);
    }

    private static string Show(string s) => "\"" + s.Replace("\n", "\\n") + "\"";
}
