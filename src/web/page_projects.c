/* Projects and their leads. */
#include "web/web_int.h"

bool page_projects(struct web *w) { return web_not_found(w); }
bool page_projects_post(struct web *w) { return web_not_found(w); }
bool page_project(struct web *w) { return web_not_found(w); }
bool page_project_post(struct web *w) { return web_not_found(w); }
