using Credentials.Functions.Maintenance;

namespace Credentials.Tests.Maintenance;

public sealed class MaintenanceBackoffTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMilliseconds(500);

    [Fact]
    public void A_page_at_normal_storage_speed_is_followed_at_once()
    {
        Assert.Null(MaintenanceRunner.PauseAfter(TimeSpan.FromSeconds(2), 100, Slow));
    }

    [Fact]
    public void A_page_slower_than_the_threshold_per_connection_is_followed_by_a_pause_as_long_as_it_took()
    {
        Assert.Equal(TimeSpan.FromSeconds(8), MaintenanceRunner.PauseAfter(TimeSpan.FromSeconds(8), 10, Slow));
        Assert.Equal(TimeSpan.FromMinutes(1), MaintenanceRunner.PauseAfter(TimeSpan.FromMinutes(5), 100, Slow));
        Assert.Equal(TimeSpan.FromSeconds(1), MaintenanceRunner.PauseAfter(TimeSpan.FromSeconds(1), 0, Slow));
    }
}
