using Credentials.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Foundation;

public sealed class StartupValidationTests
{
    [Fact]
    public async Task Missing_public_base_url_stops_start_up_naming_the_setting()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RunningDevHost.StartAsync(new Dictionary<string, string?> { ["Service:PublicBaseUrl"] = null }));

        Assert.Contains("Service:PublicBaseUrl", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Service__PublicBaseUrl", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://example.test/")]
    public async Task Malformed_public_base_url_stops_start_up(string value)
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RunningDevHost.StartAsync(new Dictionary<string, string?> { ["Service:PublicBaseUrl"] = value }));

        Assert.Contains("Service:PublicBaseUrl", exception.Message, StringComparison.Ordinal);
    }
}
