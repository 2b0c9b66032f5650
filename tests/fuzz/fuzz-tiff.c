/* fuzz-tiff.c — fuzz target for the TIFF reader, and a corpus replay
 *
 * Built with -Dfuzzing=true this is a libFuzzer target. Otherwise main()
 * replays every file of the corpus folders given on the command line, which
 * are all broken: each must be refused with a GError, never crash or yield a
 * volume. Output is TAP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-tiff"

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cbd-io.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* The reader takes paths, so each input goes through one scratch file. */
int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static char *scratch_path;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbdVolume) volume = NULL;

  if (scratch_path == NULL)
    {
      int fd = g_file_open_tmp ("cbd-fuzz-tiff-XXXXXX.tif", &scratch_path, NULL);

      if (fd < 0)
        return 0;
      close (fd);
    }
  if (!g_file_set_contents (scratch_path, (const char *) data, size, NULL))
    return 0;

  volume = cbd_tiff_read (scratch_path, NULL, NULL, NULL, &error);
  /* success and failure are both fine; an error must say something */
  g_assert ((volume == NULL) == (error != NULL));
  g_assert (error == NULL || (error->message != NULL && error->message[0] != '\0'));
  return 0;
}

#ifndef CBD_FUZZING

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
collect (const char *path,
         GPtrArray  *files)
{
  g_autoptr(GDir) dir = NULL;
  const char *entry;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (files, g_strdup (path));
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    if (entry[0] != '.')
      g_ptr_array_add (files, g_build_filename (path, entry, NULL));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  guint failures = 0;

  for (int i = 1; i < argc; i++)
    collect (argv[i], files);
  g_ptr_array_sort (files, compare_strings);

  if (files->len == 0)
    {
      printf ("1..0 # SKIP no corpus given\n");
      return 0;
    }

  printf ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *file = g_ptr_array_index (files, i);
      g_autofree char *name = g_path_get_basename (file);
      g_autoptr(GError) error = NULL;
      g_autoptr(CbdVolume) volume = NULL;
      g_autofree char *contents = NULL;
      gsize length = 0;

      /* the file itself, then the same bytes through the fuzz entry point */
      volume = cbd_tiff_read (file, NULL, NULL, NULL, &error);
      if (g_file_get_contents (file, &contents, &length, NULL))
        LLVMFuzzerTestOneInput ((const guint8 *) contents, length);

      if (volume != NULL || error == NULL)
        {
          printf ("not ok %u - %s: broken file was accepted\n", i + 1, name);
          failures++;
        }
      else if (error->domain != CBD_IO_ERROR)
        {
          printf ("not ok %u - %s: error outside the I/O domain: %s\n", i + 1,
                  name, error->message);
          failures++;
        }
      else
        printf ("ok %u - %s # %s\n", i + 1, name, error->message);
      fflush (stdout);
    }
  return failures == 0 ? 0 : 1;
}

#endif
