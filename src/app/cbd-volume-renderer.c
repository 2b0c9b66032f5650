/* cbd-volume-renderer.c — the OpenGL half of the 3D view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two programs: a ray marcher over the labels (an integer 3D texture,
 * GL_R8UI, sampled nearest, and a 256 × 1 colour/opacity lookup) drawn as
 * one full-screen triangle, and plain coloured lines for the box, slice
 * planes and cutouts. An optional second, small 3D texture (RGBA8, one
 * texel per voxel of a cutout: its filter classes or a field, already
 * coloured) replaces the labels' colours inside the cutout's box. The shaders come from the GResource without a
 * #version line; the one the context supports is prepended here.
 */
#define G_LOG_DOMAIN "cbd-volume-renderer"

#include "config.h"

#include <string.h>

#include <epoxy/gl.h>
#include <glib/gi18n.h>

#include "cbd-software-gl.h"
#include "cbd-volume-renderer.h"

#define SHADER_PATH "/io/github/cbdscope/CbdScope/shaders/"
#define BAND_BUDGET_USEC  20000 /* ray casting per frame, software rasteriser */
#define FIRST_BANDS       8     /* before any picture was timed */
#define PREVIEW_DOWNSCALE 4

/* An offscreen colour buffer (framebuffer + texture) of a given size. */
typedef struct
{
  GLuint framebuffer;
  GLuint texture;
  int    width;
  int    height;
} ColourTarget;

static void colour_target_clear (ColourTarget *target);

struct _CbdVolumeRenderer
{
  GLuint volume_program;
  GLuint lines_program;
  GLuint empty_vao;
  GLuint lines_vao;
  GLuint lines_buffer;
  GLuint labels_texture;
  GLuint lut_texture;
  GLuint overlay_texture;
  gboolean has_overlay;
  float  overlay_min[3];   /* its box, world units */
  float  overlay_max[3];
  float  overlay_opacity;
  ColourTarget low;        /* a smaller target while the view moves */
  /* The last full-resolution ray-marched image: a frame where only the
   * lines (cutout boxes, crosshair) changed copies it instead of casting
   * every ray again, which costs llvmpipe 0.1-0.5 s. */
  ColourTarget cache;
  gboolean cache_valid;
  CbdVolumeRenderParams cache_params;
  /* On a software rasteriser a still picture is cast in horizontal bands
   * from the top, one per frame, over a coarse preview, so no frame holds
   * the main loop for the whole pass. Rays through the volume's middle
   * cost several times those along its edges, so each band is sized from
   * the previous picture's cost per row, scaled by how this picture's
   * bands compared with it so far. */
  gboolean progressive;
  ColourTarget preview;
  gboolean has_preview;    /* of the picture being cast */
  int    rows_done;        /* of the picture being cast */
  float *row_usec;         /* per row: this picture's above rows_done, the
                            * previous one's below (0: not known) */
  int    row_usec_height;
  double cast_usec;        /* this picture's bands so far… */
  double predicted_usec;   /* …and what the previous one spent on them */
  gint64 picture_usec;     /* the last complete picture's ray time */
  guint  n_volume_passes;
  gsize  n_line_vertices;
  gsize  dims[3];
  gboolean has_labels;
  int    max_3d_size;

  /* uniform locations */
  GLint  inverse_view_projection;
  GLint  extent;
  GLint  clip_min;
  GLint  clip_max;
  GLint  voxel;
  GLint  step_length;
  GLint  max_steps;
  GLint  background;
  GLint  overlay_shown;
  GLint  overlay_opacity_location;
  GLint  overlay_min_location;
  GLint  overlay_max_location;
  GLint  lines_view_projection;
};

G_DEFINE_QUARK (cbd-volume-renderer-error-quark, cbd_volume_renderer_error)

static char *
load_shader_source (const char  *name,
                    GError     **error)
{
  g_autofree char *path = g_strconcat (SHADER_PATH, name, NULL);
  g_autoptr(GBytes) bytes = g_resources_lookup_data (path, 0, error);

  if (bytes == NULL)
    return NULL;
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static GLuint
compile_shader (GLenum       type,
                const char  *header,
                const char  *name,
                const char  *suffix,
                GError     **error)
{
  g_autofree char *body = load_shader_source (name, error);
  const char *sources[3];
  GLuint shader;
  GLint status = GL_FALSE;

  if (body == NULL)
    return 0;

  sources[0] = header;
  sources[1] = body;
  sources[2] = suffix != NULL ? suffix : "";
  shader = glCreateShader (type);
  glShaderSource (shader, 3, sources, NULL);
  glCompileShader (shader);
  glGetShaderiv (shader, GL_COMPILE_STATUS, &status);
  if (status != GL_TRUE)
    {
      GLint length = 0;
      g_autofree char *log = NULL;

      glGetShaderiv (shader, GL_INFO_LOG_LENGTH, &length);
      log = g_malloc0 (MAX (length, 1) + 1);
      glGetShaderInfoLog (shader, length, NULL, log);
      g_set_error (error, CBD_RENDERER_ERROR, CBD_RENDERER_ERROR_SHADER,
                   _("The shader %s does not compile: %s"), name, g_strstrip (log));
      glDeleteShader (shader);
      return 0;
    }
  return shader;
}

static GLuint
link_program (const char  *header,
              const char  *vertex_name,
              const char  *fragment_name,
              const char  *fragment_suffix,
              GError     **error)
{
  GLuint vertex, fragment, program;
  GLint status = GL_FALSE;

  vertex = compile_shader (GL_VERTEX_SHADER, header, vertex_name, NULL, error);
  if (vertex == 0)
    return 0;
  fragment = compile_shader (GL_FRAGMENT_SHADER, header, fragment_name, fragment_suffix, error);
  if (fragment == 0)
    {
      glDeleteShader (vertex);
      return 0;
    }

  program = glCreateProgram ();
  glAttachShader (program, vertex);
  glAttachShader (program, fragment);
  /* The line attributes get fixed locations, the same on every driver. */
  glBindAttribLocation (program, 0, "position");
  glBindAttribLocation (program, 1, "color");
  glLinkProgram (program);
  glDetachShader (program, vertex);
  glDetachShader (program, fragment);
  glDeleteShader (vertex);
  glDeleteShader (fragment);

  glGetProgramiv (program, GL_LINK_STATUS, &status);
  if (status != GL_TRUE)
    {
      GLint length = 0;
      g_autofree char *log = NULL;

      glGetProgramiv (program, GL_INFO_LOG_LENGTH, &length);
      log = g_malloc0 (MAX (length, 1) + 1);
      glGetProgramInfoLog (program, length, NULL, log);
      g_set_error (error, CBD_RENDERER_ERROR, CBD_RENDERER_ERROR_SHADER,
                   _("The shaders %s and %s do not link: %s"), vertex_name, fragment_name,
                   g_strstrip (log));
      glDeleteProgram (program);
      return 0;
    }
  return program;
}

/**
 * cbd_volume_renderer_new:
 * @fragment_suffix: (nullable): appended to the volume fragment shader; a
 *   test uses it to check that a broken shader is reported
 *
 * Returns: (nullable): the renderer, or %NULL with @error when the context
 *   is too old or a shader fails
 */
CbdVolumeRenderer *
cbd_volume_renderer_new (GdkGLContext  *context,
                         const char    *fragment_suffix,
                         GError       **error)
{
  CbdVolumeRenderer *renderer;
  const char *header;
  int major = 0, minor = 0;
  gboolean use_es = gdk_gl_context_get_use_es (context);

  gdk_gl_context_get_version (context, &major, &minor);
  if (use_es ? major < 3 : (major < 3 || (major == 3 && minor < 3)))
    {
      g_set_error (error, CBD_RENDERER_ERROR, CBD_RENDERER_ERROR_UNSUPPORTED,
                   _("The 3D view needs OpenGL 3.3 or OpenGL ES 3.0; this is %s %d.%d"),
                   use_es ? "OpenGL ES" : "OpenGL", major, minor);
      return NULL;
    }
  header = use_es
           ? "#version 300 es\nprecision highp float;\nprecision highp int;\n"
             "precision highp usampler3D;\nprecision highp sampler2D;\n"
             "precision highp sampler3D;\n"
           : "#version 330 core\n";

  renderer = g_new0 (CbdVolumeRenderer, 1);
  renderer->volume_program = link_program (header, "volume.vert", "volume.frag", fragment_suffix, error);
  if (renderer->volume_program == 0)
    {
      cbd_volume_renderer_free (renderer);
      return NULL;
    }
  renderer->lines_program = link_program (header, "lines.vert", "lines.frag", NULL, error);
  if (renderer->lines_program == 0)
    {
      cbd_volume_renderer_free (renderer);
      return NULL;
    }

  renderer->inverse_view_projection = glGetUniformLocation (renderer->volume_program, "inverse_view_projection");
  renderer->extent = glGetUniformLocation (renderer->volume_program, "extent");
  renderer->clip_min = glGetUniformLocation (renderer->volume_program, "clip_min");
  renderer->clip_max = glGetUniformLocation (renderer->volume_program, "clip_max");
  renderer->voxel = glGetUniformLocation (renderer->volume_program, "voxel");
  renderer->step_length = glGetUniformLocation (renderer->volume_program, "step_length");
  renderer->max_steps = glGetUniformLocation (renderer->volume_program, "max_steps");
  renderer->background = glGetUniformLocation (renderer->volume_program, "background");
  renderer->overlay_shown = glGetUniformLocation (renderer->volume_program, "overlay_shown");
  renderer->overlay_opacity_location = glGetUniformLocation (renderer->volume_program, "overlay_opacity");
  renderer->overlay_opacity = 1.0f;
  renderer->overlay_min_location = glGetUniformLocation (renderer->volume_program, "overlay_min");
  renderer->overlay_max_location = glGetUniformLocation (renderer->volume_program, "overlay_max");
  renderer->lines_view_projection = glGetUniformLocation (renderer->lines_program, "view_projection");

  glUseProgram (renderer->volume_program);
  glUniform1i (glGetUniformLocation (renderer->volume_program, "labels"), 0);
  glUniform1i (glGetUniformLocation (renderer->volume_program, "lut"), 1);
  glUniform1i (glGetUniformLocation (renderer->volume_program, "overlay"), 2);
  glUseProgram (0);

  glGetIntegerv (GL_MAX_3D_TEXTURE_SIZE, &renderer->max_3d_size);
  renderer->progressive = cbd_software_gl_is_software_renderer ((const char *) glGetString (GL_RENDERER));

  glGenVertexArrays (1, &renderer->empty_vao);
  glGenVertexArrays (1, &renderer->lines_vao);
  glGenBuffers (1, &renderer->lines_buffer);
  glBindVertexArray (renderer->lines_vao);
  glBindBuffer (GL_ARRAY_BUFFER, renderer->lines_buffer);
  glEnableVertexAttribArray (0);
  glVertexAttribPointer (0, 3, GL_FLOAT, GL_FALSE, CBD_LINE_VERTEX_FLOATS * sizeof (float), NULL);
  glEnableVertexAttribArray (1);
  glVertexAttribPointer (1, 4, GL_FLOAT, GL_FALSE, CBD_LINE_VERTEX_FLOATS * sizeof (float),
                         (const void *) (3 * sizeof (float)));
  glBindVertexArray (0);
  glBindBuffer (GL_ARRAY_BUFFER, 0);

  glGenTextures (1, &renderer->labels_texture);
  glGenTextures (1, &renderer->lut_texture);
  glGenTextures (1, &renderer->overlay_texture);
  glBindTexture (GL_TEXTURE_2D, renderer->lut_texture);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glBindTexture (GL_TEXTURE_2D, 0);
  return renderer;
}

void
cbd_volume_renderer_free (CbdVolumeRenderer *renderer)
{
  if (renderer == NULL)
    return;
  if (renderer->volume_program != 0)
    glDeleteProgram (renderer->volume_program);
  if (renderer->lines_program != 0)
    glDeleteProgram (renderer->lines_program);
  if (renderer->empty_vao != 0)
    glDeleteVertexArrays (1, &renderer->empty_vao);
  if (renderer->lines_vao != 0)
    glDeleteVertexArrays (1, &renderer->lines_vao);
  if (renderer->lines_buffer != 0)
    glDeleteBuffers (1, &renderer->lines_buffer);
  if (renderer->labels_texture != 0)
    glDeleteTextures (1, &renderer->labels_texture);
  if (renderer->lut_texture != 0)
    glDeleteTextures (1, &renderer->lut_texture);
  if (renderer->overlay_texture != 0)
    glDeleteTextures (1, &renderer->overlay_texture);
  colour_target_clear (&renderer->low);
  colour_target_clear (&renderer->cache);
  colour_target_clear (&renderer->preview);
  g_free (renderer->row_usec);
  g_free (renderer);
}

/* How often the rays were cast (not copied from the kept image). */
guint
cbd_volume_renderer_get_n_volume_passes (CbdVolumeRenderer *renderer)
{
  return renderer->n_volume_passes;
}

/* GL_MAX_3D_TEXTURE_SIZE */
int
cbd_volume_renderer_get_max_3d_size (CbdVolumeRenderer *renderer)
{
  return renderer->max_3d_size;
}

gboolean
cbd_volume_renderer_upload_labels (CbdVolumeRenderer  *renderer,
                                   const guint8       *labels,
                                   const gsize         dims[3],
                                   GError            **error)
{
  GLenum status;

  /* Clear earlier errors so the check below is about this upload. */
  while (glGetError () != GL_NO_ERROR)
    ;

  glBindTexture (GL_TEXTURE_3D, renderer->labels_texture);
  glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_WRAP_R, GL_CLAMP_TO_EDGE);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glTexImage3D (GL_TEXTURE_3D, 0, GL_R8UI, (GLsizei) dims[0], (GLsizei) dims[1], (GLsizei) dims[2],
                0, GL_RED_INTEGER, GL_UNSIGNED_BYTE, labels);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 4);
  glBindTexture (GL_TEXTURE_3D, 0);

  status = glGetError ();
  renderer->cache_valid = FALSE;
  renderer->has_labels = status == GL_NO_ERROR;
  if (!renderer->has_labels)
    {
      g_set_error (error, CBD_RENDERER_ERROR, CBD_RENDERER_ERROR_TEXTURE,
                   _("The GPU refused a %zu × %zu × %zu texture (OpenGL error 0x%x)"),
                   dims[0], dims[1], dims[2], status);
      return FALSE;
    }
  for (guint axis = 0; axis < 3; axis++)
    renderer->dims[axis] = dims[axis];
  return TRUE;
}

gboolean
cbd_volume_renderer_has_labels (CbdVolumeRenderer *renderer)
{
  return renderer->has_labels;
}

/* @rgba: per stored label, colour and opacity per voxel length */
void
cbd_volume_renderer_upload_lut (CbdVolumeRenderer *renderer,
                                const guint8       rgba[256][4])
{
  glBindTexture (GL_TEXTURE_2D, renderer->lut_texture);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA8, 256, 1, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 4);
  glBindTexture (GL_TEXTURE_2D, 0);
  renderer->cache_valid = FALSE;
}

/**
 * cbd_volume_renderer_upload_overlay:
 * @rgba: (nullable): per voxel of the box (x fastest) colour and opacity
 *   per voxel length; %NULL removes the overlay
 * @dims: its voxels along x, y, z
 * @box_min: the box in world units
 * @box_max:
 *
 * Inside the box, a voxel with a non-zero opacity here is drawn in this
 * colour instead of its label's.
 */
gboolean
cbd_volume_renderer_upload_overlay (CbdVolumeRenderer  *renderer,
                                    const guint8       *rgba,
                                    const gsize         dims[3],
                                    const float         box_min[3],
                                    const float         box_max[3],
                                    GError            **error)
{
  GLenum status;

  renderer->cache_valid = FALSE;
  renderer->has_overlay = FALSE;
  if (rgba == NULL)
    return TRUE;

  while (glGetError () != GL_NO_ERROR)
    ;
  glBindTexture (GL_TEXTURE_3D, renderer->overlay_texture);
  glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_WRAP_R, GL_CLAMP_TO_EDGE);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glTexImage3D (GL_TEXTURE_3D, 0, GL_RGBA8, (GLsizei) dims[0], (GLsizei) dims[1], (GLsizei) dims[2],
                0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 4);
  glBindTexture (GL_TEXTURE_3D, 0);

  status = glGetError ();
  if (status != GL_NO_ERROR)
    {
      g_set_error (error, CBD_RENDERER_ERROR, CBD_RENDERER_ERROR_TEXTURE,
                   _("The GPU refused a %zu × %zu × %zu texture (OpenGL error 0x%x)"),
                   dims[0], dims[1], dims[2], status);
      return FALSE;
    }
  for (guint axis = 0; axis < 3; axis++)
    {
      renderer->overlay_min[axis] = box_min[axis];
      renderer->overlay_max[axis] = box_max[axis];
    }
  renderer->has_overlay = TRUE;
  return TRUE;
}

/* Scales the overlay's opacity (0..1) without uploading it again. */
void
cbd_volume_renderer_set_overlay_opacity (CbdVolumeRenderer *renderer,
                                         float              opacity)
{
  opacity = CLAMP (opacity, 0.0f, 1.0f);
  if (opacity != renderer->overlay_opacity)
    renderer->cache_valid = FALSE;
  renderer->overlay_opacity = opacity;
}

gboolean
cbd_volume_renderer_has_overlay (CbdVolumeRenderer *renderer)
{
  return renderer->has_overlay;
}

/* @vertices: pairs of CBD_LINE_VERTEX_FLOATS floats, one line per pair */
void
cbd_volume_renderer_set_lines (CbdVolumeRenderer *renderer,
                               const float       *vertices,
                               gsize              n_vertices)
{
  glBindBuffer (GL_ARRAY_BUFFER, renderer->lines_buffer);
  glBufferData (GL_ARRAY_BUFFER, n_vertices * CBD_LINE_VERTEX_FLOATS * sizeof (float),
                vertices, GL_DYNAMIC_DRAW);
  glBindBuffer (GL_ARRAY_BUFFER, 0);
  renderer->n_line_vertices = n_vertices;
}

/* Makes @target @width × @height; TRUE when it is complete. */
static gboolean
colour_target_ensure (ColourTarget *target,
                      int           width,
                      int           height,
                      GLint         filter)
{
  if (target->framebuffer != 0 && target->width == width && target->height == height)
    return TRUE;
  if (target->framebuffer == 0)
    {
      glGenFramebuffers (1, &target->framebuffer);
      glGenTextures (1, &target->texture);
    }
  glBindTexture (GL_TEXTURE_2D, target->texture);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
  glBindTexture (GL_TEXTURE_2D, 0);
  glBindFramebuffer (GL_FRAMEBUFFER, target->framebuffer);
  glFramebufferTexture2D (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, target->texture, 0);
  target->width = width;
  target->height = height;
  return glCheckFramebufferStatus (GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
}

static void
colour_target_clear (ColourTarget *target)
{
  if (target->framebuffer != 0)
    glDeleteFramebuffers (1, &target->framebuffer);
  if (target->texture != 0)
    glDeleteTextures (1, &target->texture);
  memset (target, 0, sizeof *target);
}

/* The full-resolution target the volume pass is kept in; a new size
 * invalidates what it held. */
static gboolean
cbd_volume_renderer_ensure_cache_target (CbdVolumeRenderer *renderer,
                                         int                width,
                                         int                height)
{
  if (renderer->cache.width != width || renderer->cache.height != height)
    renderer->cache_valid = FALSE;
  return colour_target_ensure (&renderer->cache, width, height, GL_NEAREST);
}

/* Whether the kept image is what the volume pass would draw for @params. */
static gboolean
cbd_volume_renderer_cache_matches (CbdVolumeRenderer           *renderer,
                                   const CbdVolumeRenderParams *params)
{
  const CbdVolumeRenderParams *cached = &renderer->cache_params;

  if (!renderer->cache_valid)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    if (cached->background[i] != params->background[i])
      return FALSE;
  return graphene_matrix_equal_fast (&cached->view_projection, &params->view_projection) &&
         graphene_vec3_equal (&cached->extent, &params->extent) &&
         graphene_vec3_equal (&cached->clip_min, &params->clip_min) &&
         graphene_vec3_equal (&cached->clip_max, &params->clip_max) &&
         cached->step_length == params->step_length &&
         cached->width == params->width && cached->height == params->height;
}

static void
cbd_volume_renderer_draw_volume (CbdVolumeRenderer           *renderer,
                                 const CbdVolumeRenderParams *params,
                                 const graphene_matrix_t     *inverse)
{
  float matrix[16];
  float extent[3], voxel[3], diagonal;

  graphene_vec3_to_float (&params->extent, extent);
  for (guint axis = 0; axis < 3; axis++)
    voxel[axis] = extent[axis] / MAX (renderer->dims[axis], 1);
  diagonal = graphene_vec3_length (&params->extent);

  glUseProgram (renderer->volume_program);
  graphene_matrix_to_float (inverse, matrix);
  glUniformMatrix4fv (renderer->inverse_view_projection, 1, GL_FALSE, matrix);
  glUniform3fv (renderer->extent, 1, extent);
  graphene_vec3_to_float (&params->clip_min, extent);
  glUniform3fv (renderer->clip_min, 1, extent);
  graphene_vec3_to_float (&params->clip_max, extent);
  glUniform3fv (renderer->clip_max, 1, extent);
  glUniform3fv (renderer->voxel, 1, voxel);
  glUniform1f (renderer->step_length, params->step_length);
  glUniform1i (renderer->max_steps, (int) (diagonal / MAX (params->step_length, 1e-6f)) + 2);
  glUniform4fv (renderer->background, 1, params->background);
  renderer->n_volume_passes++;
  glUniform1i (renderer->overlay_shown, renderer->has_overlay);
  glUniform1f (renderer->overlay_opacity_location, renderer->overlay_opacity);
  glUniform3fv (renderer->overlay_min_location, 1, renderer->overlay_min);
  glUniform3fv (renderer->overlay_max_location, 1, renderer->overlay_max);

  glActiveTexture (GL_TEXTURE2);
  glBindTexture (GL_TEXTURE_3D, renderer->has_overlay ? renderer->overlay_texture : 0);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_3D, renderer->labels_texture);
  glActiveTexture (GL_TEXTURE1);
  glBindTexture (GL_TEXTURE_2D, renderer->lut_texture);
  glBindVertexArray (renderer->empty_vao);
  glDrawArrays (GL_TRIANGLES, 0, 3);
  glBindTexture (GL_TEXTURE_2D, 0);
  glActiveTexture (GL_TEXTURE2);
  glBindTexture (GL_TEXTURE_3D, 0);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_3D, 0);
}

/* Starts a new still picture and, when it takes more than one band, the
 * coarse preview shown where the bands have not come yet. */
static void
cbd_volume_renderer_begin_picture (CbdVolumeRenderer           *renderer,
                                   const CbdVolumeRenderParams *params,
                                   const graphene_matrix_t     *inverse)
{
  int height = MAX (params->height, 1);

  renderer->cache_params = *params;
  renderer->cache_valid = TRUE;
  renderer->rows_done = 0;
  renderer->cast_usec = 0.0;
  renderer->predicted_usec = 0.0;
  renderer->has_preview = FALSE;
  if (!renderer->progressive)
    return;
  if (renderer->row_usec_height != height)
    {
      g_free (renderer->row_usec);
      renderer->row_usec = g_new0 (float, height);
      renderer->row_usec_height = height;
      renderer->picture_usec = 0;
    }
  if (renderer->picture_usec == 0 || renderer->picture_usec > BAND_BUDGET_USEC)
    {
      int width = MAX (1, params->width / PREVIEW_DOWNSCALE);
      int preview_height = MAX (1, height / PREVIEW_DOWNSCALE);

      if (!colour_target_ensure (&renderer->preview, width, preview_height, GL_LINEAR))
        {
          renderer->progressive = FALSE;
          return;
        }
      glBindFramebuffer (GL_FRAMEBUFFER, renderer->preview.framebuffer);
      glViewport (0, 0, width, preview_height);
      cbd_volume_renderer_draw_volume (renderer, params, inverse);
      renderer->has_preview = TRUE;
    }
}

/* How many rows from rows_done the next band takes: as many as the
 * previous picture's costs, scaled, fit in the budget; an eighth of the
 * picture when there is none. */
static int
cbd_volume_renderer_next_band (CbdVolumeRenderer *renderer,
                               int                height)
{
  double scale = 1.0, sum = 0.0;
  int rows = 0;

  if (!renderer->progressive)
    return height - renderer->rows_done;
  if (renderer->picture_usec == 0)
    return MIN (MAX (1, height / FIRST_BANDS), height - renderer->rows_done);
  if (renderer->predicted_usec > 0.0)
    scale = CLAMP (renderer->cast_usec / renderer->predicted_usec, 0.25, 4.0);
  while (renderer->rows_done + rows < height)
    {
      sum += scale * renderer->row_usec[renderer->rows_done + rows];
      if (rows > 0 && sum > BAND_BUDGET_USEC)
        break;
      rows++;
    }
  return rows;
}

/* Casts the next band into the kept picture; on software GL, times it and
 * keeps its cost per row for the next picture. */
static void
cbd_volume_renderer_cast_band (CbdVolumeRenderer           *renderer,
                               const CbdVolumeRenderParams *params,
                               const graphene_matrix_t     *inverse)
{
  int width = params->width, height = params->height;
  int rows = cbd_volume_renderer_next_band (renderer, height);
  gint64 start = g_get_monotonic_time ();
  double usec;

  glBindFramebuffer (GL_FRAMEBUFFER, renderer->cache.framebuffer);
  glViewport (0, 0, width, height);
  glEnable (GL_SCISSOR_TEST);
  glScissor (0, height - renderer->rows_done - rows, width, rows);
  glClear (GL_COLOR_BUFFER_BIT);
  cbd_volume_renderer_draw_volume (renderer, params, inverse);
  glDisable (GL_SCISSOR_TEST);
  if (renderer->progressive)
    {
      /* Software: the rays are cast once this returns. */
      glFinish ();
      usec = (double) MAX (g_get_monotonic_time () - start, 1);
      for (int r = renderer->rows_done; r < renderer->rows_done + rows; r++)
        {
          renderer->predicted_usec += renderer->row_usec[r];
          renderer->row_usec[r] = (float) (usec / rows);
        }
      renderer->cast_usec += usec;
    }
  renderer->rows_done += rows;
  if (renderer->progressive && renderer->rows_done == height)
    {
      renderer->picture_usec = (gint64) renderer->cast_usec;
      g_debug ("3D picture cast, %.1f ms of rays", renderer->cast_usec / 1000.0);
    }
}

/* The still picture into @target from the kept one, casting the next band
 * first when it is not complete; TRUE when it is. */
static gboolean
cbd_volume_renderer_draw_still (CbdVolumeRenderer           *renderer,
                                const CbdVolumeRenderParams *params,
                                const graphene_matrix_t     *inverse,
                                GLuint                       target)
{
  int width = params->width, height = params->height;
  int undone;

  if (!cbd_volume_renderer_cache_matches (renderer, params))
    cbd_volume_renderer_begin_picture (renderer, params, inverse);
  if (renderer->rows_done < height)
    cbd_volume_renderer_cast_band (renderer, params, inverse);

  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, target);
  glViewport (0, 0, width, height);
  /* Without a preview (the picture was expected in one band) the rows not
   * cast yet keep the previous picture. */
  undone = renderer->has_preview ? height - renderer->rows_done : 0;
  if (undone > 0)
    {
      glBindFramebuffer (GL_READ_FRAMEBUFFER, renderer->preview.framebuffer);
      glBlitFramebuffer (0, 0, renderer->preview.width, renderer->preview.height,
                         0, 0, width, height, GL_COLOR_BUFFER_BIT, GL_LINEAR);
    }
  glBindFramebuffer (GL_READ_FRAMEBUFFER, renderer->cache.framebuffer);
  glBlitFramebuffer (0, undone, width, height, 0, undone, width, height,
                     GL_COLOR_BUFFER_BIT, GL_NEAREST);
  glBindFramebuffer (GL_FRAMEBUFFER, target);
  return renderer->rows_done == height;
}

/* Draws a frame; FALSE when the still picture is not complete yet and
 * another frame should follow. */
gboolean
cbd_volume_renderer_draw (CbdVolumeRenderer           *renderer,
                          const CbdVolumeRenderParams *params)
{
  graphene_matrix_t inverse;
  float matrix[16];
  GLint target = 0;
  gboolean complete = TRUE;

  glDisable (GL_DEPTH_TEST);
  glDisable (GL_BLEND);
  glClearColor (params->background[0], params->background[1],
                params->background[2], params->background[3]);
  glClear (GL_COLOR_BUFFER_BIT);

  if (renderer->has_labels && graphene_matrix_inverse (&params->view_projection, &inverse))
    {
      int low_width = MAX (1, params->width / MAX (params->downscale, 1));
      int low_height = MAX (1, params->height / MAX (params->downscale, 1));

      /* Moving: cast a quarter of the rays into a smaller target and
       * stretch it; software renderers keep up that way. */
      glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &target);
      if (params->downscale > 1 && colour_target_ensure (&renderer->low, low_width, low_height, GL_LINEAR))
        {
          glBindFramebuffer (GL_FRAMEBUFFER, renderer->low.framebuffer);
          glViewport (0, 0, low_width, low_height);
          cbd_volume_renderer_draw_volume (renderer, params, &inverse);
          glBindFramebuffer (GL_READ_FRAMEBUFFER, renderer->low.framebuffer);
          glBindFramebuffer (GL_DRAW_FRAMEBUFFER, (GLuint) target);
          glViewport (0, 0, params->width, params->height);
          glBlitFramebuffer (0, 0, low_width, low_height, 0, 0, params->width, params->height,
                             GL_COLOR_BUFFER_BIT, GL_LINEAR);
          glBindFramebuffer (GL_FRAMEBUFFER, (GLuint) target);
        }
      else if (cbd_volume_renderer_cache_matches (renderer, params) ||
               cbd_volume_renderer_ensure_cache_target (renderer, params->width, params->height))
        /* Cast the rays only when something they see changed. */
        complete = cbd_volume_renderer_draw_still (renderer, params, &inverse, (GLuint) target);
      else
        {
          glBindFramebuffer (GL_FRAMEBUFFER, (GLuint) target);
          glViewport (0, 0, params->width, params->height);
          cbd_volume_renderer_draw_volume (renderer, params, &inverse);
        }
    }

  if (renderer->n_line_vertices > 0)
    {
      glEnable (GL_BLEND);
      /* Keep the opaque alpha the volume pass wrote. */
      glBlendFuncSeparate (GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE);
      glUseProgram (renderer->lines_program);
      graphene_matrix_to_float (&params->view_projection, matrix);
      glUniformMatrix4fv (renderer->lines_view_projection, 1, GL_FALSE, matrix);
      glBindVertexArray (renderer->lines_vao);
      glDrawArrays (GL_LINES, 0, (GLsizei) renderer->n_line_vertices);
      glDisable (GL_BLEND);
    }

  glBindVertexArray (0);
  glUseProgram (0);
  return complete;
}

/* Returns: (transfer full): the still picture for @params cast in one pass
 * into an offscreen target and read back, or NULL with @error */
GdkTexture *
cbd_volume_renderer_read_picture (CbdVolumeRenderer           *renderer,
                                  const CbdVolumeRenderParams *params,
                                  GError                     **error)
{
  int width = params->width, height = params->height;
  gsize stride = (gsize) width * 4;
  g_autofree guint8 *pixels = g_try_malloc_n (height, stride);
  guint8 *rows = g_try_malloc_n (height, stride);
  g_autoptr(GBytes) bytes = NULL;
  ColourTarget target = { 0 };
  gboolean progressive = renderer->progressive;
  GLint previous = 0;

  if (pixels == NULL || rows == NULL)
    {
      g_free (rows);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _("Not enough memory for a %d × %d picture"), width, height);
      return NULL;
    }
  glGetIntegerv (GL_FRAMEBUFFER_BINDING, &previous);
  if (!colour_target_ensure (&target, width, height, GL_NEAREST))
    {
      colour_target_clear (&target);
      glBindFramebuffer (GL_FRAMEBUFFER, (GLuint) previous);
      g_free (rows);
      g_set_error (error, CBD_RENDERER_ERROR, CBD_RENDERER_ERROR_TEXTURE,
                   _("OpenGL could not make a %d × %d picture"), width, height);
      return NULL;
    }
  glBindFramebuffer (GL_FRAMEBUFFER, target.framebuffer);
  renderer->progressive = FALSE;
  cbd_volume_renderer_draw (renderer, params);
  renderer->progressive = progressive;
  glBindFramebuffer (GL_READ_FRAMEBUFFER, target.framebuffer);
  glPixelStorei (GL_PACK_ALIGNMENT, 1);
  glReadPixels (0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
  glBindFramebuffer (GL_FRAMEBUFFER, (GLuint) previous);
  colour_target_clear (&target);

  /* GL counts rows from the bottom. */
  for (int y = 0; y < height; y++)
    memcpy (rows + (gsize) y * stride, pixels + (gsize) (height - 1 - y) * stride, stride);
  bytes = g_bytes_new_take (rows, (gsize) height * stride);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, stride);
}
