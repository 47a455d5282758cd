using LatentSharp.Server.Queue;

namespace LatentSharp.Tests.Server;

public class PreviewBudgetTests
{
    [Fact]
    public void PreviewsAreForWatchersAndStayWithinTheirShareOfTheJobTime()
    {
        var budget = new PreviewBudget(0.2);
        budget.StartJob();
        Assert.False(budget.Allows(watched: false));
        Assert.True(budget.Allows(watched: true));   // nothing spent yet, no cost known

        budget.Spend(TimeSpan.FromHours(1));
        Assert.False(budget.Allows(watched: true));
        budget.StartJob();
        // The next job starts afresh but expects the next preview to cost what the last did.
        Assert.False(budget.Allows(watched: true));
    }

    [Fact]
    public void AZeroShareTurnsPreviewsOff() => Assert.False(new PreviewBudget(0).Allows(watched: true));
}
