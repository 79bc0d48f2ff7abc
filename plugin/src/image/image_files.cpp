// SPDX-License-Identifier: GPL-2.0-or-later
// Image files by content: PGM (P5/P2), PNG (libpng), TIFF (libtiff). Every failure names the file
// and what is wrong; nothing here trusts sizes from the file without checking them.
#include "image/image_files.h"

#include <png.h>
#include <tiffio.h>

#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

namespace fpb {

namespace {

[[noreturn]] void fail(const std::string& name, const std::string& what) { throw ImageError(name + ": " + what); }

void checkSize(const std::string& name, long width, long height) {
    if (width <= 0 || height <= 0) fail(name, "the image has no pixels (" + std::to_string(width) + "x" + std::to_string(height) + ")");
    if (width > kMaxImageSide || height > kMaxImageSide)
        fail(name, "the image is " + std::to_string(width) + "x" + std::to_string(height) + ", larger than the " +
                       std::to_string(kMaxImageSide) + " pixel limit for a fingerprint");
}

// ---- PGM ---------------------------------------------------------------------------------------
GreyImage decodePgm(const std::uint8_t* data, std::size_t size, int dpi, const std::string& name) {
    std::size_t pos = 2;
    bool ascii = data[1] == '2';
    auto skipSpaceAndComments = [&] {
        for (;;) {
            while (pos < size && std::isspace(data[pos])) ++pos;
            if (pos < size && data[pos] == '#') {
                while (pos < size && data[pos] != '\n') ++pos;
                continue;
            }
            return;
        }
    };
    auto number = [&](const char* what) {
        skipSpaceAndComments();
        if (pos >= size || !std::isdigit(data[pos])) fail(name, std::string("PGM header is truncated (missing ") + what + ")");
        long value = 0;
        while (pos < size && std::isdigit(data[pos])) {
            value = value * 10 + (data[pos++] - '0');
            if (value > 1000000) fail(name, std::string("PGM ") + what + " is absurdly large");
        }
        return value;
    };
    long width = number("width");
    long height = number("height");
    long maxval = number("maximum value");
    checkSize(name, width, height);
    if (maxval <= 0 || maxval > 255) fail(name, "only 8-bit PGM is supported (maximum value " + std::to_string(maxval) + ")");
    GreyImage image(static_cast<int>(width), static_cast<int>(height), dpi);
    std::size_t count = image.pixels.size();
    if (ascii) {
        for (std::size_t i = 0; i < count; ++i) {
            long v = number("pixel");
            image.pixels[i] = static_cast<std::uint8_t>(std::min<long>(255, v * 255 / maxval));
        }
        return image;
    }
    ++pos;  // exactly one whitespace after maxval
    if (size < pos || size - pos < count)
        fail(name, "PGM pixel data is truncated (" + std::to_string(size > pos ? size - pos : 0) + " of " +
                       std::to_string(count) + " bytes)");
    std::memcpy(image.pixels.data(), data + pos, count);
    if (maxval != 255)
        for (auto& p : image.pixels) p = static_cast<std::uint8_t>(std::min<long>(255, p * 255L / maxval));
    return image;
}

// ---- PNG ---------------------------------------------------------------------------------------
struct PngReadState {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t pos;
};

void pngRead(png_structp png, png_bytep out, png_size_t length) {
    auto* s = static_cast<PngReadState*>(png_get_io_ptr(png));
    if (s->size - s->pos < length) png_error(png, "the file ends in the middle of the image (truncated)");
    std::memcpy(out, s->data + s->pos, length);
    s->pos += length;
}

void pngError(png_structp png, png_const_charp message) {
    throw ImageError(std::string(static_cast<const char*>(png_get_error_ptr(png))) + ": PNG is damaged: " + message);
}
void pngWarning(png_structp, png_const_charp) {}

GreyImage decodePng(const std::uint8_t* data, std::size_t size, int dpi, const std::string& name) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, const_cast<char*>(name.c_str()), pngError, pngWarning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) fail(name, "out of memory reading PNG");
    std::unique_ptr<png_structp, void (*)(png_structp*)> guard(&png, [](png_structp* p) { png_destroy_read_struct(p, nullptr, nullptr); });
    struct InfoGuard {
        png_structp png;
        png_infop info;
        ~InfoGuard() { png_destroy_info_struct(png, &info); }
    } infoGuard{png, info};
    PngReadState state{data, size, 0};
    png_set_read_fn(png, &state, pngRead);
    png_set_user_limits(png, kMaxImageSide, kMaxImageSide);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    checkSize(name, static_cast<long>(width), static_cast<long>(height));
    int colour = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (depth == 16) png_set_strip_16(png);
    if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colour == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (colour & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (colour == PNG_COLOR_TYPE_RGB || colour == PNG_COLOR_TYPE_RGB_ALPHA || colour == PNG_COLOR_TYPE_PALETTE)
        png_set_rgb_to_gray_fixed(png, 1, -1, -1);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    png_uint_32 resX = 0, resY = 0;
    int unit = 0;
    if (png_get_pHYs(png, info, &resX, &resY, &unit) && unit == PNG_RESOLUTION_METER && resX > 0)
        dpi = static_cast<int>(resX * 0.0254 + 0.5);
    if (png_get_rowbytes(png, info) != width) fail(name, "PNG has an unsupported pixel layout");
    GreyImage image(static_cast<int>(width), static_cast<int>(height), dpi);
    std::vector<png_bytep> rows(height);
    for (png_uint_32 y = 0; y < height; ++y) rows[y] = image.pixels.data() + static_cast<std::size_t>(y) * width;
    png_read_image(png, rows.data());
    return image;
}

// ---- TIFF --------------------------------------------------------------------------------------
struct TiffMemory {
    const std::uint8_t* data;
    toff_t size;
    toff_t pos;
};

tsize_t tiffRead(thandle_t h, tdata_t buf, tsize_t n) {
    auto* m = static_cast<TiffMemory*>(h);
    if (m->pos >= m->size) return 0;
    toff_t count = std::min<toff_t>(static_cast<toff_t>(n), m->size - m->pos);
    std::memcpy(buf, m->data + m->pos, count);
    m->pos += count;
    return static_cast<tsize_t>(count);
}
tsize_t tiffWrite(thandle_t, tdata_t, tsize_t) { return 0; }
toff_t tiffSeek(thandle_t h, toff_t off, int whence) {
    auto* m = static_cast<TiffMemory*>(h);
    toff_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->size : 0;
    m->pos = base + off;
    return m->pos;
}
int tiffClose(thandle_t) { return 0; }
toff_t tiffSize(thandle_t h) { return static_cast<TiffMemory*>(h)->size; }
int tiffMap(thandle_t, tdata_t*, toff_t*) { return 0; }
void tiffUnmap(thandle_t, tdata_t, toff_t) {}

constexpr tmsize_t kMaxTiffAllocation = tmsize_t{4} * kMaxImageSide * kMaxImageSide;

thread_local std::string tiffLastError;
void tiffErrorHandler(const char*, const char* fmt, va_list ap) {
    char buf[512];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    tiffLastError = buf;
}

GreyImage decodeTiff(const std::uint8_t* data, std::size_t size, int dpi, const std::string& name) {
    TIFFSetErrorHandler(tiffErrorHandler);
    TIFFSetWarningHandler(nullptr);
    tiffLastError.clear();
    TiffMemory memory{data, static_cast<toff_t>(size), 0};
    // A damaged header can make libtiff allocate gigabytes for one strip (a fuzzed 134-byte file asked
    // for 1.8 GB); no buffer of a valid image reaches four bytes per pixel of the largest one.
    std::unique_ptr<TIFFOpenOptions, void (*)(TIFFOpenOptions*)> options(TIFFOpenOptionsAlloc(), TIFFOpenOptionsFree);
    if (!options) fail(name, "out of memory before reading the TIFF");
    TIFFOpenOptionsSetMaxSingleMemAlloc(options.get(), kMaxTiffAllocation);
    TIFF* tif = TIFFClientOpenExt(name.c_str(), "rm", &memory, tiffRead, tiffWrite, tiffSeek, tiffClose, tiffSize, tiffMap,
                                  tiffUnmap, options.get());
    if (!tif) fail(name, "TIFF is damaged: " + (tiffLastError.empty() ? std::string("cannot read its header") : tiffLastError));
    std::unique_ptr<TIFF, void (*)(TIFF*)> guard(tif, TIFFClose);
    uint32_t width = 0, height = 0;
    uint16_t bits = 8, samples = 1;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
    checkSize(name, static_cast<long>(width), static_cast<long>(height));
    float xres = 0;
    uint16_t unit = RESUNIT_INCH;
    if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres) && xres > 0) {
        TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
        if (unit == RESUNIT_INCH) dpi = static_cast<int>(xres + 0.5f);
        else if (unit == RESUNIT_CENTIMETER) dpi = static_cast<int>(xres * 2.54f + 0.5f);
    }
    GreyImage image(static_cast<int>(width), static_cast<int>(height), dpi);
    if (bits == 8 && samples == 1) {
        uint16_t photometric = PHOTOMETRIC_MINISBLACK;
        TIFFGetFieldDefaulted(tif, TIFFTAG_PHOTOMETRIC, &photometric);
        if (TIFFScanlineSize(tif) != static_cast<tmsize_t>(width)) fail(name, "TIFF has an unsupported row layout");
        for (uint32_t y = 0; y < height; ++y)
            if (TIFFReadScanline(tif, image.pixels.data() + static_cast<std::size_t>(y) * width, y, 0) < 0)
                fail(name, "TIFF pixel data is damaged or truncated at row " + std::to_string(y) +
                               (tiffLastError.empty() ? "" : " (" + tiffLastError + ")"));
        if (photometric == PHOTOMETRIC_MINISWHITE)
            for (auto& p : image.pixels) p = static_cast<std::uint8_t>(255 - p);
        return image;
    }
    // Anything else (colour, other depths): let libtiff convert to RGBA, then to grey.
    std::vector<uint32_t> rgba(static_cast<std::size_t>(width) * height);
    if (!TIFFReadRGBAImageOriented(tif, width, height, rgba.data(), ORIENTATION_TOPLEFT, 0))
        fail(name, "TIFF pixel data cannot be read" + (tiffLastError.empty() ? std::string() : " (" + tiffLastError + ")") +
                       ": the file is damaged; save the fingerprint again as an 8-bit grey PGM, PNG or TIFF");
    for (std::size_t i = 0; i < rgba.size(); ++i) {
        uint32_t p = rgba[i];
        image.pixels[i] = static_cast<std::uint8_t>((TIFFGetR(p) * 299 + TIFFGetG(p) * 587 + TIFFGetB(p) * 114) / 1000);
    }
    return image;
}

void pngWrite(png_structp png, png_bytep data, png_size_t length) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(png_get_io_ptr(png));
    out->insert(out->end(), data, data + length);
}
void pngFlush(png_structp) {}

} // namespace

GreyImage decodeImage(const std::uint8_t* data, std::size_t size, int defaultDpi, const std::string& name) {
    if (data == nullptr || size == 0) fail(name, "the file is empty");
    if (size >= 2 && data[0] == 'P' && (data[1] == '5' || data[1] == '2')) return decodePgm(data, size, defaultDpi, name);
    if (size >= 8 && std::memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0) return decodePng(data, size, defaultDpi, name);
    if (size >= 4 && (std::memcmp(data, "II*\0", 4) == 0 || std::memcmp(data, "MM\0*", 4) == 0))
        return decodeTiff(data, size, defaultDpi, name);
    fail(name, "not a PGM, PNG or TIFF image; save the fingerprint as one of those (8-bit grey)");
}

GreyImage loadImage(const std::string& path, int defaultDpi) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ImageError(path + ": cannot open the file (does it exist, and may it be read?)");
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return decodeImage(bytes.data(), bytes.size(), defaultDpi, path);
}

std::vector<std::uint8_t> encodePng(const GreyImage& image) {
    if (image.empty() || image.pixels.size() != static_cast<std::size_t>(image.width) * image.height)
        throw ImageError("cannot write an empty or inconsistent image as PNG");
    std::vector<std::uint8_t> out;
    std::string name = "PNG writer";
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, const_cast<char*>(name.c_str()), pngError, pngWarning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) throw ImageError("out of memory writing PNG");
    struct Guard {
        png_structp png;
        png_infop info;
        ~Guard() { png_destroy_write_struct(&png, &info); }
    } guard{png, info};
    png_set_write_fn(png, &out, pngWrite, pngFlush);
    png_set_IHDR(png, info, static_cast<png_uint_32>(image.width), static_cast<png_uint_32>(image.height), 8,
                 PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_uint_32 perMetre = static_cast<png_uint_32>(image.dpi / 0.0254 + 0.5);
    png_set_pHYs(png, info, perMetre, perMetre, PNG_RESOLUTION_METER);
    png_set_compression_level(png, 3);
    png_write_info(png, info);
    for (int y = 0; y < image.height; ++y)
        png_write_row(png, const_cast<png_bytep>(image.pixels.data() + static_cast<std::size_t>(y) * image.width));
    png_write_end(png, nullptr);
    return out;
}

void savePng(const GreyImage& image, const std::string& path) {
    auto bytes = encodePng(image);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw ImageError(path + ": cannot write the file (is the folder there and writable?)");
}

void savePgm(const GreyImage& image, const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "P5\n" << image.width << " " << image.height << "\n255\n";
    out.write(reinterpret_cast<const char*>(image.pixels.data()), static_cast<std::streamsize>(image.pixels.size()));
    if (!out) throw ImageError(path + ": cannot write the file (is the folder there and writable?)");
}

} // namespace fpb
