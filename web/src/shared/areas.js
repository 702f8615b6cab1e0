// Which area a user lands in after login: office roles go to the office 待办, officers to the phone home.
// One list, read by both areas (the field app's login and the office's area switch).
import { auth, rolesOf } from './auth.js'

export const OFFICE_ROLES = ['manager', 'approver', 'legal_reviewer', 'reviewer', 'quality', 'admin']
export const OFFICE_HOME = '/office.html#/todo'
export const FIELD_HOME = '/#/'

export function isOfficeUser(user = auth.user) {
  return rolesOf(user).some((r) => OFFICE_ROLES.includes(r))
}

export function isOfficer(user = auth.user) {
  return rolesOf(user).includes('officer')
}
