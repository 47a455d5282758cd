using LatentSharp.Imaging;
using SkiaSharp;
using static LatentSharp.Tests.Support.PictureAssert;

namespace LatentSharp.Tests.Imaging;

/// <summary>
/// SkiaSharp's native library loads on this machine and matches the managed one (TorchSharp brings an older
/// managed SkiaSharp without natives; the build must end with one matching pair), and a system font is found.
/// </summary>
public class SkiaSharpTests
{
    [Fact]
    public void NativeLibraryLoadsAndMatchesTheManagedAssembly()
    {
        Assert.True(SkiaSharpVersion.CheckNativeLibraryCompatible(throwIfIncompatible: true));
        var managed = typeof(SKBitmap).Assembly.GetName().Version!;
        Assert.Equal(managed.Minor, SkiaSharpVersion.Native.Major);
    }

    [Fact]
    public void ASystemSansSerifFontIsFoundAndDrawsText()
    {
        Assert.True(SystemFont.Available, "no font with glyphs found (install fonts-dejavu-core)");
        Assert.DoesNotContain("Serif", SystemFont.FamilyName.Replace("Sans", ""));
        Assert.True(SystemFont.Bold.FontWeight >= SystemFont.Typeface.FontWeight);

        using var bitmap = new SKBitmap(new SKImageInfo(200, 40, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        using (var text = new CaptionText(16, Rgb.Black))
        {
            canvas.Clear(SKColors.White);
            text.Draw(canvas, ["Hello 42"], 4, 4);
        }
        var image = SkiaBitmaps.FromSkia(bitmap);
        Assert.True(Fraction(image, IsDark, 0, 0, 100, 40) > 0.03, "text drawn");
        Assert.Equal(0, Fraction(image, p => p != Rgb.White, 120, 0, 80, 40));
    }

    [Fact]
    public void APreferredFamilyWinsOverNameOrderAndNoFamilyMeansNoFont()
    {
        var asked = new List<string>();
        SKTypeface? Match(string family)
        {
            asked.Add(family);
            return SKFontManager.Default.MatchFamily(family, SKFontStyle.Normal);
        }
        var chosen = SystemFont.Choose(["Zzz Missing", SystemFont.FamilyName], Match);
        Assert.NotNull(chosen);
        Assert.Equal(SystemFont.FamilyName, chosen!.FamilyName);
        Assert.Equal(SystemFont.FamilyName, asked[0]);

        asked.Clear();
        Assert.Null(SystemFont.Choose([], Match));
        Assert.Empty(asked);
        // Installed names that give no typeface with glyphs are passed over, not taken.
        Assert.Null(SystemFont.Choose(["Zzz Missing"], _ => null));
        Assert.Contains("apt-get install fonts-dejavu-core", SystemFont.MissingMessage);
    }

    [Fact]
    public void BitmapsRoundTripPixelForPixel()
    {
        var image = new RgbImage(7, 5);
        for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = (byte)(i * 37);
        using var bitmap = SkiaBitmaps.ToSkia(image);
        Assert.Equal(image.Pixels, SkiaBitmaps.FromSkia(bitmap).Pixels);
    }
}
