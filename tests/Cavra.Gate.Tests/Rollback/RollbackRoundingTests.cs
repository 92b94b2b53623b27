using Cavra.Gate.Serialization;

namespace Cavra.Gate.Tests.Rollback;

/// <summary>age_days and days_until_due are rounded with Python's round() before the threshold comparisons
/// (docs/design/evidence.md §1.5); expected values below were produced by CPython 3.</summary>
public sealed class RollbackRoundingTests
{
    [Theory]
    [InlineData(90.00005, 4, 90.0001)]     // the double is just above the decimal midpoint: Math.Round(…, ToEven) would give 90.0
    [InlineData(2.675, 2, 2.67)]           // just below
    [InlineData(0.125, 2, 0.12)]           // an exact binary midpoint: half to even
    [InlineData(0.375, 2, 0.38)]
    [InlineData(-2.5, 0, -2.0)]
    [InlineData(3.5, 0, 4.0)]
    [InlineData(1.00005, 4, 1.0001)]
    [InlineData(29.0000014, 4, 29.0)]
    [InlineData(44.458333333, 4, 44.4583)]
    [InlineData(123456.78945, 4, 123456.7894)]
    [InlineData(1e+20, 4, 1e+20)]
    [InlineData(5e-324, 4, 0.0)]
    [InlineData(1.7976931348623157e+308, 4, 1.7976931348623157e+308)]
    public void Round_matches_python(double value, int digits, double expected)
    {
        double actual = PythonFloat.Round(value, digits);
        Assert.Equal(expected, actual);
        Assert.Equal(PythonFloat.Repr(expected), PythonFloat.Repr(actual));
    }

    [Theory]
    [InlineData(-4e-05)]
    [InlineData(-4.6296296296296294e-05)] // four seconds before a due instant, in days
    public void Small_negatives_round_to_negative_zero(double value)
    {
        double actual = PythonFloat.Round(value, 4);
        Assert.Equal(0.0, actual);
        Assert.True(double.IsNegative(actual));
        Assert.Equal("-0.0", PythonFloat.Repr(actual));
        Assert.False(actual < 0); // so a schedule is not stale yet
    }

    [Fact]
    public void Non_finite_values_pass_through()
    {
        Assert.True(double.IsNaN(PythonFloat.Round(double.NaN, 4)));
        Assert.Equal(double.PositiveInfinity, PythonFloat.Round(double.PositiveInfinity, 4));
    }
}
