// Element Plus renders a menu's item groups as a plain <li><div>title</div><ul>… inside role="menubar":
// screen readers (and Lighthouse) find menu items with no menu around them and lists of non-items. The
// directive gives the groups their ARIA roles — menubar > group (named by its title) > menuitem.
function labelGroups(menu) {
  for (const group of menu.querySelectorAll('li.el-menu-item-group')) {
    group.setAttribute('role', 'none')
    const title = group.querySelector(':scope > .el-menu-item-group__title')
    const items = group.querySelector(':scope > ul')
    if (items) {
      items.setAttribute('role', 'group')
      if (title) items.setAttribute('aria-label', title.textContent.trim())
    }
    if (title) title.setAttribute('aria-hidden', 'true') // the group's name already says it
  }
}

export const menuGroups = { mounted: labelGroups, updated: labelGroups }
